"""Turn a drawing into an image the size of the data set's, normalised the way MNIST's digits were.

MNIST fitted each digit's bounding box into 20 × 20 pixels (keeping its proportions, averaging the
area each pixel covers) and then moved it so its centre of mass sits at the centre of the 28 × 28
image. Images of at least 16 pixels a side get the same treatment (the box is 20/28 of the image);
smaller ones, like scikit-learn's 8 × 8 digits, had their box fill the whole image, centred. The
brightest pixel becomes 1, so a drawing uses the same 0..1 range as the data.
"""

from __future__ import annotations

import numpy as np

MNIST_BOX = 20 / 28
SMALL_IMAGE = 16  # images smaller than this on a side: the digit fills the image
INK_THRESHOLD = 0.05


def area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights: output pixel i is the mean of the input pixels it covers, by area."""
    edges = np.linspace(0.0, n_in, n_out + 1)
    lo, hi = edges[:-1, None], edges[1:, None]
    j = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0.0, None)
    return overlap / (hi - lo)


def area_resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """``image`` (h, w) resized to (height, width), each new pixel the area mean of the old ones."""
    rows = area_matrix(image.shape[0], height)
    cols = area_matrix(image.shape[1], width)
    return rows @ image @ cols.T


def fit_drawing(ink: np.ndarray, image_shape: tuple[int, int, int]) -> np.ndarray:
    """A drawing ``ink`` (h, w) with values in [0, 1] as one flattened data-set row (c·h·w,).

    All zeros when nothing is drawn. Every channel gets the same picture (a grey digit on a colour set).
    """
    c, h, w = (int(v) for v in image_shape)
    ink = np.asarray(ink, np.float64)
    mask = ink > INK_THRESHOLD
    if not mask.any():
        return np.zeros(c * h * w)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    small_image = min(h, w) < SMALL_IMAGE
    box = 1.0 if small_image else MNIST_BOX
    scale = min(box * h / crop.shape[0], box * w / crop.shape[1])
    out_h = int(np.clip(round(crop.shape[0] * scale), 1, h))
    out_w = int(np.clip(round(crop.shape[1] * scale), 1, w))
    digit = area_resize(crop, out_h, out_w)
    if small_image:
        top, left = (h - out_h) // 2, (w - out_w) // 2
    else:
        top, left = centre_of_mass_offset(digit, h, w)
    image = np.zeros((h, w))
    image[top : top + out_h, left : left + out_w] = digit
    peak = image.max()
    if peak > 0:
        image /= peak
    return np.repeat(image[None], c, axis=0).ravel()


def centre_of_mass_offset(digit: np.ndarray, h: int, w: int) -> tuple[int, int]:
    """Where to put ``digit``'s top-left corner in an (h, w) image so its centre of mass is central."""
    total = digit.sum()
    dh, dw = digit.shape
    if total <= 0:
        return (h - dh) // 2, (w - dw) // 2
    cy = float((digit.sum(axis=1) * (np.arange(dh) + 0.5)).sum() / total)
    cx = float((digit.sum(axis=0) * (np.arange(dw) + 0.5)).sum() / total)
    top = int(np.clip(round(h / 2 - cy), 0, h - dh))
    left = int(np.clip(round(w / 2 - cx), 0, w - dw))
    return top, left


if __name__ == "__main__":
    yy, xx = np.mgrid[0:200, 0:200]
    ring = (np.abs(np.hypot(yy - 80, xx - 120) - 40) < 8).astype(float)  # an "o" off-centre
    for shape in ((1, 8, 8), (1, 28, 28)):
        image = fit_drawing(ring, shape).reshape(shape[1:])
        print(f"{shape}:")
        print("\n".join("".join(" .:-=+*#%@"[int(v * 9)] for v in row) for row in image))

"""The integer codes and table columns shared by the Python side and the compiled kernels.

A compiled network is a few flat arrays: an op table (one row per layer, in topological order), the
inputs of each op, flat weight and buffer offsets. Keeping the contract in one module keeps the
kernels free of Python objects, which is what lets them run many steps without returning.
"""

# op codes
OP_INPUT = 0
OP_DENSE = 1
OP_ACT = 2
OP_DROPOUT = 3
OP_ADD = 4
OP_CONCAT = 5
OP_CONV = 6
OP_MAXPOOL = 7
OP_AVGPOOL = 8
OP_COPY = 9  # Flatten, Reshape: the same values read in another shape
OP_BATCHNORM = 10

# op table columns
C_OP = 0  # op code
C_WIDTH = 1  # output features
C_OUT = 2  # output offset in acts / gacts, in features (times max batch = element offset)
C_Z = 3  # pre-activation (Dense, Conv2D), mask (Dropout) or argmax (MaxPool2D) offset in zs / gzs
C_IN0 = 4  # first entry of this op's inputs in op_inputs
C_NIN = 5  # number of inputs
C_W = 6  # kernel offset in the flat parameters (-1 if none)
C_B = 7  # bias offset in the flat parameters (-1 if none)
C_ACT = 8  # activation code (Dense, Activation)
C_FANIN = 9  # input features of a Dense
# window geometry of Conv2D and the pools: input image, output image, kernel, stride, padding
C_INC = 10
C_INH = 11
C_INW = 12
C_OUTC = 13
C_OUTH = 14
C_OUTW = 15
C_KH = 16
C_KW = 17
C_SH = 18
C_SW = 19
C_PT = 20  # rows of zeros added above the input
C_PL = 21  # columns of zeros added left of the input
C_AUX = 22  # BatchNorm: offset of the running mean (the running variance follows it)
N_COLS = 23

# float op table columns
F_ALPHA = 0  # leaky relu slope
F_RATE = 1  # dropout rate
F_MOMENTUM = 2  # BatchNorm: how far the running statistics move towards each batch's
F_EPS = 3  # BatchNorm: added to the variance
N_FCOLS = 4

# losses
LOSS_MSE = 0
LOSS_MAE = 1
LOSS_CE = 2
LOSS_BCE = 3
# how the loss meets the output layer
MODE_PLAIN = 0  # the output is the prediction itself
MODE_FUSED = 1  # the output layer's softmax/sigmoid is folded into the loss gradient (p - t)
MODE_LOGITS = 2  # the output is a logit; the loss applies softmax/sigmoid itself

# optimisers
OPT_SGD = 0
OPT_ADAM = 1
OPT_RMSPROP = 2

# regularisation
REG_NONE = 0
REG_L1 = 1
REG_L2 = 2

# float hyper-parameters (array H)
H_LR = 0
H_REG = 1
H_MOMENTUM = 2
H_BETA1 = 3
H_BETA2 = 4
H_EPS = 5
H_RHO = 6
N_H = 8

# integer settings (array IH)
I_OPT = 0
I_NESTEROV = 1
I_REG = 2
I_LOSS = 3
I_MODE = 4
I_BATCH = 5
I_SHUFFLE = 6
I_EVAL = 7  # evaluate train and test sets at every epoch end
I_INPUT_GRAD = 8  # also compute the gradient of the network input
I_OUT = 9  # index of the output op
I_THRESH = 10  # width-1 class threshold: 0 -> 0.0 (tanh, ±1 targets), 1 -> 0.5 (sigmoid)
I_CLASSIFY = 11  # 1 when accuracy means something
N_IH = 12

# position (array pos)
P_STEP = 0
P_EPOCH = 1
P_CURSOR = 2
P_OPT_T = 3
P_SEED = 4
N_POS = 5

# segments of the flat parameters (array segs)
S_OFF = 0
S_SIZE = 1
S_REG = 2  # regularised (kernels)
S_TRAIN = 3  # trainable
S_NODE = 4  # op index owning it
N_SCOLS = 5

# status (array status)
ST_CODE = 0
ST_STEP = 1
ST_WHERE = 2
STATUS_OK = 0
STATUS_LOSS = 1  # the loss was NaN or infinite
STATUS_PARAM = 2  # a weight became NaN or infinite
STATUS_STOPPED = 3  # asked to stop
STATUS_EPOCH_END = 4  # stopped because an epoch ended (when asked to)

# history columns
H_EPOCH_COL = 0
H_TRAIN_LOSS = 1
H_TRAIN_ACC = 2
H_TEST_LOSS = 3
H_TEST_ACC = 4
H_STEP_COL = 5
N_HIST = 6

"""A half-built network: unfinished layers are reported, impossible ones refused, the rest trainable."""

import pytest

from engine import Add, Dense, GraphError, Input, Network
from engine.draft import check_draft


def chain() -> Network:
    return Network.sequential(Input(2), Dense(4, "tanh"), Dense(1, "tanh"))


def test_an_unconnected_new_layer_is_unfinished_but_the_rest_trains():
    draft = chain().add(Dense(3), id="loose", inputs=[])
    check = check_draft(draft)
    assert "loose" in check.unfinished and "not connected" in check.unfinished["loose"]
    assert [n.id for n in check.trainable.nodes] == ["input", "dense_1", "dense_2"]


def test_a_side_branch_that_does_not_reach_the_output_is_left_out():
    draft = chain().add(Dense(3), id="side", inputs=["dense_1"]).with_output("dense_2")
    check = check_draft(draft)
    assert check.unfinished["side"] == "it does not lead to the output"
    assert check.trainable.resolve().output == "dense_2"


def test_two_loose_ends_without_a_chosen_output_train_nothing_yet():
    draft = chain().add(Dense(3), id="side", inputs=["dense_1"])
    check = check_draft(draft)
    assert check.trainable is None and "loose ends" in check.why_not


@pytest.mark.parametrize(
    "make, layer, words",
    [
        (lambda n: n.set_inputs("dense_1", ["dense_2"]), "dense_1", "cycle"),
        (lambda n: n.add(Add(), id="sum", inputs=["input", "dense_1"]), "sum", "equal size"),
        (lambda n: n.set_inputs("dense_2", ["input", "dense_1"]), "dense_2", "Add or Concat"),
        (lambda n: n.set_inputs("dense_2", ["dense_2"]), "dense_2", "itself"),
    ],
)
def test_impossible_connections_are_refused_naming_the_layer(make, layer, words):
    with pytest.raises(GraphError, match=words) as info:
        check_draft(make(chain()))
    assert info.value.layer == layer

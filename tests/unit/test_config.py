"""Settings: strict validation naming every bad field, recipes, and registries."""

import json
import os

import pytest

from scratchnet import RECIPES, ConfigError, recipe, validate_config
from scratchnet.training.settings import FIELDS, SCHEMA, validate_field


def errors_of(raw, **kwargs):
    with pytest.raises(ConfigError) as caught:
        validate_config(raw, **kwargs)
    assert isinstance(caught.value, ValueError)
    return caught.value.errors


def test_missing_settings_take_the_default_recipe():
    assert validate_config({}) == RECIPES["default"]
    assert validate_config({"epochs": 3})["epochs"] == 3


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_validates_to_itself(name):
    assert recipe(name) == RECIPES[name]
    assert validate_config(json.loads(json.dumps(RECIPES[name]))) == RECIPES[name]


def test_recipe_overrides_are_validated():
    assert recipe("wide", epochs=2)["epochs"] == 2
    with pytest.raises(ConfigError) as caught:
        recipe("seed", epochs=0)
    assert set(caught.value.errors) == {"epochs"}


def test_every_bad_field_is_named_at_once():
    errors = errors_of({
        "colour": "blue",              # unknown name
        "learning_rate": 50,           # out of range
        "epochs": "many",              # wrong type
        "batch_size": 2.5,             # not whole
        "dropout": True,               # a bool is not a number
        "hidden_sizes": [128, 0],      # a layer out of range
        "activation": "gelu",          # not a choice
        "momentum": None,
    })
    assert set(errors) == {"colour", "learning_rate", "epochs", "batch_size", "dropout",
                           "hidden_sizes", "activation", "momentum"}
    assert errors["colour"] == "is not a setting"
    assert "between" in errors["learning_rate"] and "10" in errors["learning_rate"]
    assert "'many' is not a number" in errors["epochs"]
    assert "whole number" in errors["batch_size"]
    assert "relu" in errors["activation"]
    assert all(isinstance(reason, str) and reason for reason in errors.values())


def test_the_error_message_lists_each_field_and_reason():
    with pytest.raises(ConfigError) as caught:
        validate_config({"epochs": 0, "seed": -1})
    assert "epochs: must be between 1 and 500, not 0" in str(caught.value)
    assert "seed:" in str(caught.value)


@pytest.mark.parametrize("hidden", [[], [0], [2000], [1.5], ["x"], "", "12,abc", 128, [8, 8, 8, 8, 8], None])
def test_bad_hidden_size_lists_are_refused(hidden):
    assert set(errors_of({"hidden_sizes": hidden})) == {"hidden_sizes"}


@pytest.mark.parametrize("text,expected", [("128", [128]), ("256, 128", [256, 128]), ([64.0, "32"], [64, 32])])
def test_hidden_sizes_are_parsed_from_text_and_numbers(text, expected):
    assert validate_config({"hidden_sizes": text})["hidden_sizes"] == expected


@pytest.mark.parametrize("value", ["nan", float("inf"), float("nan"), "", " ", [0.1], {"a": 1}])
def test_non_finite_or_non_numeric_learning_rates_are_refused(value):
    assert set(errors_of({"learning_rate": value})) == {"learning_rate"}


def test_numbers_as_text_are_accepted_and_normalised():
    config = validate_config({"learning_rate": "0.5", "epochs": "4", "batch_size": 64.0})
    assert config["learning_rate"] == 0.5
    assert config["epochs"] == 4 and isinstance(config["epochs"], int)
    assert config["batch_size"] == 64 and isinstance(config["batch_size"], int)


@pytest.mark.parametrize("name,value", [("epochs", 10 ** 30), ("learning_rate", 10 ** 400),
                                        ("hidden_sizes", [10 ** 400])],
                         ids=["epochs-1e30", "learning_rate-1e400", "hidden_sizes-1e400"])
def test_huge_integers_are_refused_with_a_config_error(name, value):
    # JSON (the URL, a saved model's settings) can carry integers of any size.
    assert set(errors_of(json.loads(json.dumps({name: value})))) == {name}


def test_train_size_is_limited_by_the_images_available():
    errors = errors_of({"train_size": 5000}, max_train_size=2000)
    assert "2000" in errors["train_size"]
    assert validate_config({"train_size": 2000}, max_train_size=2000)["train_size"] == 2000


def test_a_config_that_is_not_a_mapping_is_refused():
    assert set(errors_of([("epochs", 3)])) == {"config"}


def test_unknown_recipe_lists_the_valid_names():
    with pytest.raises(ValueError, match="seed, default, wide"):
        recipe("fast")


def test_schema_fields_have_defaults_that_validate():
    assert [field["name"] for field in SCHEMA] == list(RECIPES["default"])
    for field in SCHEMA:
        assert validate_field(field["name"], field["default"]) == RECIPES["default"][field["name"]]
    assert FIELDS["optimizer"]["choices"] == ["sgd", "momentum", "adam"]
    assert FIELDS["activation"]["choices"] == ["relu", "sigmoid", "tanh"]
    assert FIELDS["initializer"]["choices"] == ["xavier", "he"]


CASES = json.load(open(os.path.join(os.path.dirname(__file__), "..", "settings_cases.json")))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['setting']}={c['text']!r}" for c in CASES])
def test_python_agrees_with_the_pages_reading_of_each_setting(case):
    """The table tests/js/settings.test.mjs runs through the page's parser: what the page takes,
    Python takes as the same value; what both must refuse for its range, Python refuses."""
    if case["value"] is not None:
        assert validate_config({case["setting"]: case["value"]})[case["setting"]] == case["value"]
    if "number" in case:
        with pytest.raises(ConfigError):
            validate_config({case["setting"]: case["number"]})

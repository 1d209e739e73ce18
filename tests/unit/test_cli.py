"""The command line, run in-process through `scratchnet.cli.main`."""

import re
import struct
import zlib

import numpy as np
import pytest

from scratchnet import save_model
from scratchnet.cli import main
from scratchnet.data.mnist import load_bundle

ACCURACY_LINE = re.compile(r"^test accuracy: (0\.\d{4})$")


def write_png(path, gray):
    """A grayscale 8-bit PNG of a (H, W) uint8 array."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    height, width = gray.shape
    rows = b"".join(b"\x00" + row.tobytes() for row in gray)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def write_pgm(path, gray):
    height, width = gray.shape
    path.write_bytes(f"P5\n# test digit\n{width} {height}\n255\n".encode() + gray.tobytes())


@pytest.fixture(scope="module")
def model_file(trained_network, tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "model.npz"
    save_model(trained_network, str(path))
    return str(path)


@pytest.fixture(scope="module")
def sure_digits(mnist, trained_network):
    """Indices of test digits 0-9 that the trained model gets right with > 99% confidence."""
    probabilities = trained_network.predict_proba(mnist["x_test"][:300])
    good = (probabilities.max(axis=1) > 0.99) & (probabilities.argmax(axis=1) == mnist["y_test"][:300])
    return [int(np.flatnonzero(good & (mnist["y_test"][:300] == c))[0]) for c in range(10)]


def predictions(output):
    """{path: digit} from predict's lines 'path: 7 (99.1% sure)'."""
    found = re.findall(r"^(.+): (\d) \(\d+\.\d% sure\)$", output, flags=re.MULTILINE)
    return {path: int(digit) for path, digit in found}


def test_train_then_evaluate_print_the_same_test_accuracy(tmp_path, capsys):
    out = tmp_path / "tmp" / "model.npz"
    assert main(["train", "--train-size", "2000", "--epochs", "1", "--out", str(out)]) == 0
    trained = capsys.readouterr().out.strip().splitlines()
    match = ACCURACY_LINE.match(trained[-1])
    assert match, trained[-1]
    assert float(match.group(1)) > 0.8
    assert out.exists() and f"saved {out}" in trained

    assert main(["evaluate", str(out)]) == 0
    evaluated = capsys.readouterr().out.strip().splitlines()
    assert evaluated[-1] == trained[-1]


def test_train_refuses_bad_settings_with_exit_code_2(capsys):
    assert main(["train", "--epochs", "0", "--hidden", "12,abc"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "epochs" in err and "hidden_sizes" in err


def test_predict_on_npy_files(model_file, mnist, sure_digits, tmp_path, capsys):
    one = tmp_path / "one.npy"
    np.save(one, mnist["x_test"][sure_digits[7]])
    stack = tmp_path / "stack.npy"
    np.save(stack, mnist["x_test"][sure_digits[:3]].reshape(3, 784) / 255.0)
    assert main(["predict", model_file, str(one), str(stack)]) == 0
    found = predictions(capsys.readouterr().out)
    assert found == {str(one): 7, f"{stack}[0]": 0, f"{stack}[1]": 1, f"{stack}[2]": 2}


def test_predict_on_png_and_pgm_drawings(model_file, mnist, sure_digits, tmp_path, capsys):
    paths, expected = [], {}
    for digit in (3, 5, 8):
        # Drawn large, dark ink on white paper, off centre: as a person would scan or draw it.
        big = 255 - np.kron(mnist["x_test"][sure_digits[digit]], np.ones((6, 6), dtype=np.uint8))
        paper = np.full((220, 260), 255, dtype=np.uint8)
        paper[20:188, 70:238] = big
        for suffix, writer in ((".png", write_png), (".pgm", write_pgm)):
            path = tmp_path / f"digit{digit}{suffix}"
            writer(path, paper)
            paths.append(str(path))
            expected[str(path)] = digit
    assert main(["predict", model_file, *paths]) == 0
    assert predictions(capsys.readouterr().out) == expected


def test_predict_reports_an_empty_drawing_on_one_line_of_stderr_and_goes_on(model_file, mnist, sure_digits,
                                                                             tmp_path, capsys):
    blank, good = tmp_path / "blank.pgm", tmp_path / "good.npy"
    write_pgm(blank, np.full((100, 100), 255, dtype=np.uint8))
    np.save(good, mnist["x_test"][sure_digits[4]])
    assert main(["predict", model_file, str(blank), str(good)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{blank}: The canvas is empty: draw a digit first.\n"
    assert predictions(captured.out) == {str(good): 4}


def test_predict_reports_an_unreadable_image_on_one_line_of_stderr_and_goes_on(model_file, mnist, sure_digits,
                                                                               tmp_path, capsys):
    truncated, good = tmp_path / "cut.png", tmp_path / "good.npy"
    write_png(truncated, np.full((28, 28), 255, dtype=np.uint8))
    truncated.write_bytes(truncated.read_bytes()[:-20])
    np.save(good, mnist["x_test"][sure_digits[6]])
    assert main(["predict", model_file, str(truncated), str(good)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"{truncated}: the PNG file is truncated\n"
    assert predictions(captured.out) == {str(good): 6}


def test_a_file_name_or_reason_with_line_breaks_still_gives_one_line(model_file, tmp_path, capsys):
    odd = tmp_path / "two\nlines.png"
    odd.write_bytes(b"P5\n# a comment\nnot a size")
    assert main(["predict", model_file, str(odd)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "two lines.png" in captured.err


@pytest.mark.parametrize("content", [b"", b"garbage, not a model", b"PK\x03\x04broken zip"],
                         ids=["empty", "text", "broken-zip"])
@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_bad_model_file_gives_exit_code_2_and_a_message(tmp_path, capsys, content, command):
    model = tmp_path / "bad.npz"
    model.write_bytes(content)
    image = tmp_path / "x.npy"
    np.save(image, np.zeros((28, 28)))
    args = [command, str(model)] + ([str(image)] if command == "predict" else [])
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and "Traceback" not in captured.err
    assert "file" in captured.err
    assert captured.out == ""


def test_missing_model_file_gives_exit_code_2(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "absent.npz")]) == 2
    assert "could not be read" in capsys.readouterr().err


def test_missing_mnist_folder_gives_exit_code_2(model_file, tmp_path, capsys):
    assert main(["evaluate", model_file, "--data", str(tmp_path)]) == 2
    assert "MNIST files missing" in capsys.readouterr().err


def test_recipes_lists_every_recipe(capsys):
    assert main(["recipes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["seed", "default", "wide", "cnn"]


def test_build_data_writes_a_bundle_the_browser_can_load(tmp_path, capsys):
    out = tmp_path / "mnist.npz"
    assert main(["build-data", "--train-size", "500", "--out", str(out)]) == 0
    assert "sha256" in capsys.readouterr().out
    data = load_bundle(out)
    assert data["x_train"].shape == (500, 28, 28) and data["x_test"].shape == (10000, 28, 28)
    assert np.bincount(data["y_train"], minlength=10).tolist() == [50] * 10

"""Fashion-MNIST from the Debian package's IDX files (dataset-fashion-mnist), without numpy."""

import gzip
import os
import struct

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """(dims, raw bytes) of an IDX file (gzip or not); the data are unsigned bytes."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        blob = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", blob[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    dims = struct.unpack(">" + "I" * ndim, blob[4 : 4 + 4 * ndim])
    data = blob[4 + 4 * ndim :]
    size = 1
    for d in dims:
        size *= d
    if len(data) != size:
        raise ValueError(f"{path}: {len(data)} bytes of data for dims {dims}")
    return dims, data


def train_files(directory=None):
    directory = directory or os.environ.get("FASHION_MNIST_DIR", DEFAULT_DIR)
    images = os.path.join(directory, "train-images-idx3-ubyte.gz")
    labels = os.path.join(directory, "train-labels-idx1-ubyte.gz")
    for p in (images, labels):
        if not os.path.exists(p):
            raise FileNotFoundError(
                f"{p} is missing: apt-get install dataset-fashion-mnist (or set FASHION_MNIST_DIR)"
            )
    return images, labels

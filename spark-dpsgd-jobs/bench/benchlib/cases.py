"""What is measured: the models, batch sizes and DP settings shared by every side."""

# The same DP-SGD settings everywhere: `dpsgd bench` fixes sigma = 1.0; C and the learning rate
# are its defaults (privacy.l2-norm-clip = 1.0, training.learning-rate = 0.15, plain SGD).
NOISE_MULTIPLIER = 1.0
L2_NORM_CLIP = 1.0
LEARNING_RATE = 0.15

MODELS = ("logreg", "mlp", "cnn")
BATCHES = (1024, 4096)
PEERS = ("opacus", "jax", "tf")

# The TF Privacy tutorial CNN (mnist_dpsgd_tutorial_keras.py), as each peer builds it, and
# conf/bench/tf-tutorial-cnn.conf for ours. Shapes on 1 x 28 x 28:
#   conv 16 8x8 s2 same (pads 3 each side) + relu -> 16x14x14; maxpool 2 s1 -> 16x13x13
#   conv 32 4x4 s2 valid + relu -> 32x5x5; maxpool 2 s1 -> 32x4x4; flatten 512
#   dense 32 relu; dense 10
PARAMS = {"logreg": 7_850, "mlp": 203_530, "cnn": 26_010}

# Our side: `dpsgd bench` arguments per model (paths relative to the repository root).
OURS_ARGS = {
    "logreg": ["--model", "logreg"],
    "mlp": ["--model", "mlp"],
    "cnn": ["--model", "cnn", "--config", "conf/bench/tf-tutorial-cnn.conf"],
}

# Our untimed warm-up steps per mode (`dpsgd bench --warmup-steps`): in `dpsgd bench --rounds 9`
# the MLP's DP rate rose from 36k to 53-57k examples/s over the first ~250 steps as the JIT
# compiled the step's code; the peers (no JIT) warm up in 3 steps. About 10 s per mode.
OURS_WARMUP_STEPS = {"logreg": 400, "mlp": 300, "cnn": 60}

# Each peer's DP mode per model (the fastest DP path it offers for that model; see README.md).
PEER_MODES = {
    "opacus": {"logreg": "ghost", "mlp": "ghost", "cnn": "ghost"},
    "jax": {"logreg": "mb32", "mlp": "mb32", "cnn": "mb32"},
    "tf": {"logreg": "fast", "mlp": "fast", "cnn": "vectorized"},
}

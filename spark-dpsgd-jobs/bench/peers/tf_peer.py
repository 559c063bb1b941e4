"""TensorFlow Privacy peer: tensorflow_privacy.DPSequential (its DP Keras model), XLA-compiled.

Modes:
  "fast"        DPSequential with layer_registry = make_default_layer_registry(): TF Privacy's
                fast gradient clipping (ghost norms), which it applies only when every trainable
                layer is registered (0.9.0 registers Dense and Embedding): logreg and MLP.
  "vectorized"  DPSequential without a registry: per-example gradients by tf.vectorized_map under
                XLA (use_xla=True), for the CNN (Conv2D has no fast-clipping function in 0.9.0).
  "optimizer"   a Keras Sequential with VectorizedDPKerasSGDOptimizer (per-example losses,
                reduction NONE), the tutorial's way.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
import tensorflow_privacy  # noqa: E402
from tensorflow_privacy.privacy.fast_gradient_clipping import layer_registry as lr_registry  # noqa: E402
from tensorflow_privacy.privacy.optimizers.dp_optimizer_keras_vectorized import (  # noqa: E402
    VectorizedDPKerasSGDOptimizer,
)

K = tf.keras


def layers(model):
    if model == "logreg":
        return [K.layers.InputLayer(input_shape=(784,)), K.layers.Dense(10)]
    if model == "mlp":
        return [K.layers.InputLayer(input_shape=(784,)), K.layers.Dense(256, activation="tanh"),
                K.layers.Dense(10)]
    return [K.layers.InputLayer(input_shape=(784,)), K.layers.Reshape((28, 28, 1)),
            K.layers.Conv2D(16, 8, strides=2, padding="same", activation="relu"),
            K.layers.MaxPool2D(2, 1),
            K.layers.Conv2D(32, 4, strides=2, padding="valid", activation="relu"),
            K.layers.MaxPool2D(2, 1),
            K.layers.Flatten(), K.layers.Dense(32, activation="relu"), K.layers.Dense(10)]


DESCRIPTIONS = {
    "fast": "tensorflow_privacy.DPSequential(layer_registry=make_default_layer_registry(), "
            "use_xla=True): fast gradient clipping (ghost norms of Dense layers)",
    "vectorized": "tensorflow_privacy.DPSequential(use_xla=True): per-example gradients by "
                  "tf.vectorized_map, XLA",
    "optimizer": "Sequential + VectorizedDPKerasSGDOptimizer (loss reduction NONE)",
}


class TfPeer:
    name = "tf"

    def __init__(self, model, mode, seed):
        if mode not in DESCRIPTIONS:
            raise SystemExit(f"tf peer: unknown mode {mode}")
        tf.random.set_seed(seed)
        self.model_name = model
        self.mode = mode
        self.mode_description = DESCRIPTIONS[mode]
        self.keras = K.Sequential(layers(model))

    def versions(self):
        import keras

        return {"tensorflow": tf.__version__, "keras": keras.__version__,
                "tensorflow_privacy": getattr(tensorflow_privacy, "__version__", None),
                # 0 = TensorFlow's default: the number of cores (2 here)
                "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
                "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads()}

    def get_flat(self):
        return np.concatenate([v.numpy().reshape(-1) for v in self.keras.trainable_variables])

    def set_flat(self, v):
        off = 0
        for var in self.keras.trainable_variables:
            n = int(np.prod(var.shape))
            var.assign(np.asarray(v[off : off + n], dtype=np.float32).reshape(var.shape))
            off += n

    def _adopt(self, m):
        flat = self.get_flat()
        self.keras = m
        self.set_flat(flat)
        return m

    def to_batch(self, x, y):
        return tf.constant(x), tf.constant(y.astype(np.int32))

    def sync(self):
        pass  # train_on_batch returns the loss as a number: each step has finished

    def make_plain(self, lr, batch):
        m = self._adopt(K.Sequential(layers(self.model_name)))
        m.compile(optimizer=K.optimizers.SGD(lr),
                  loss=K.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=True)

        def step(x, y):
            m.train_on_batch(x, y)
        return step

    def make_dp(self, clip, sigma, lr, batch):
        loss = K.losses.SparseCategoricalCrossentropy(from_logits=True)
        if self.mode == "optimizer":
            m = self._adopt(K.Sequential(layers(self.model_name)))
            opt = VectorizedDPKerasSGDOptimizer(l2_norm_clip=clip, noise_multiplier=sigma,
                                                num_microbatches=batch, learning_rate=lr)
            m.compile(optimizer=opt, loss=K.losses.SparseCategoricalCrossentropy(
                from_logits=True, reduction=tf.losses.Reduction.NONE))
        else:
            registry = lr_registry.make_default_layer_registry() if self.mode == "fast" else None
            m = self._adopt(tensorflow_privacy.DPSequential(
                l2_norm_clip=clip, noise_multiplier=sigma, use_xla=True,
                layer_registry=registry, layers=layers(self.model_name)))
            if self.mode == "fast" and not m._enable_fast_peg_computation:
                raise SystemExit(f"tf peer: fast gradient clipping does not apply to {self.model_name}")
            m.compile(optimizer=K.optimizers.SGD(lr), loss=loss)

        def step(x, y):
            m.train_on_batch(x, y)
        return step

    def own_norms(self):
        return None  # DPSequential does not expose its per-example norms

    def reference_grads(self, x, y):
        m = K.Sequential(layers(self.model_name))
        m.build((None, 784))
        flat = self.get_flat()
        off = 0
        for var in m.trainable_variables:
            n = int(np.prod(var.shape))
            var.assign(flat[off : off + n].reshape(var.shape))
            off += n
        loss = K.losses.SparseCategoricalCrossentropy(from_logits=True)

        @tf.function
        def grad(xi, yi):
            with tf.GradientTape() as tape:
                v = loss(yi, m(xi, training=True))
            return tf.concat([tf.reshape(g, [-1]) for g in tape.gradient(v, m.trainable_variables)], 0)
        return np.stack([grad(tf.constant(x[i : i + 1]), tf.constant(y[i : i + 1].astype(np.int32))).numpy()
                         for i in range(len(x))])


if __name__ == "__main__":
    common.main(TfPeer)

"""JAX peer: jax_privacy.clipped_grad (per-example gradients by jax.vmap, clipped, summed) and
jax_privacy.noise_addition.gaussian_privatizer (sigma * C Gaussian noise on the sum), then
optax.sgd on sum / B; the whole step under one jax.jit.

Modes: "mb32" (default) vmaps over microbatches of 32 examples (clipped_grad's microbatch_size,
processed one after the other); "full" vmaps over the whole batch at once. On this 2-core CPU
"full" was far slower for the MLP (36 s against 4-5 s a step at batch 1024: XLA materialises
1024 per-example gradients of 203,530 floats) and no faster for the others; 32 was the best of
8, 16, 32, 64 overall (probe in README.md)."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jax_privacy  # noqa: E402
import optax  # noqa: E402
from jax import lax  # noqa: E402
from jax.flatten_util import ravel_pytree  # noqa: E402
from jax_privacy import noise_addition  # noqa: E402


def glorot(key, shape, fan_in, fan_out):
    lim = np.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, shape, jnp.float32, -lim, lim)


def init(model, key):
    ks = jax.random.split(key, 5)
    if model == "logreg":
        return {"w": glorot(ks[0], (784, 10), 784, 10), "b": jnp.zeros(10)}
    if model == "mlp":
        return {"w1": glorot(ks[0], (784, 256), 784, 256), "b1": jnp.zeros(256),
                "w2": glorot(ks[1], (256, 10), 256, 10), "b2": jnp.zeros(10)}
    return {"k1": glorot(ks[0], (8, 8, 1, 16), 64, 16 * 64), "c1": jnp.zeros(16),
            "k2": glorot(ks[1], (4, 4, 16, 32), 256, 32 * 16), "c2": jnp.zeros(32),
            "w3": glorot(ks[2], (512, 32), 512, 32), "b3": jnp.zeros(32),
            "w4": glorot(ks[3], (32, 10), 32, 10), "b4": jnp.zeros(10)}


def maxpool_2_s1(h):
    return lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 1, 1, 1), "VALID")


def forward(model, p, x):
    if model == "logreg":
        return x @ p["w"] + p["b"]
    if model == "mlp":
        return jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
    dn = ("NHWC", "HWIO", "NHWC")
    h = x.reshape(-1, 28, 28, 1)
    # "same" for 8x8 stride 2 on 28x28: 3 on each side (as Keras pads)
    h = lax.conv_general_dilated(h, p["k1"], (2, 2), [(3, 3), (3, 3)], dimension_numbers=dn)
    h = maxpool_2_s1(jax.nn.relu(h + p["c1"]))
    h = lax.conv_general_dilated(h, p["k2"], (2, 2), "VALID", dimension_numbers=dn)
    h = maxpool_2_s1(jax.nn.relu(h + p["c2"]))
    h = h.reshape(h.shape[0], -1)
    h = jax.nn.relu(h @ p["w3"] + p["b3"])
    return h @ p["w4"] + p["b4"]


MICROBATCH = {"mb32": 32, "full": None}


class JaxPeer:
    name = "jax"

    def __init__(self, model, mode, seed):
        if mode not in MICROBATCH:
            raise SystemExit(f"jax peer: unknown mode {mode} (one of {', '.join(MICROBATCH)})")
        self.microbatch = MICROBATCH[mode]
        self.mode_description = (
            "jax.jit(step): jax_privacy.clipped_grad (jax.vmap per-example gradients, clipped, "
            f"summed; microbatch_size={self.microbatch}) + noise_addition.gaussian_privatizer, optax.sgd")
        self.model = model
        self.key = jax.random.key(seed)
        self.params = init(model, jax.random.fold_in(self.key, 1))
        _, self.unravel = ravel_pytree(self.params)
        self.calls = 0
        self._norms = None

        def loss(p, x, y):
            logits = forward(model, p, x)
            return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
        self.loss = loss

    def versions(self):
        import jaxlib
        return {"jax": jax.__version__, "jaxlib": jaxlib.__version__,
                "jax_privacy": jax_privacy.__version__, "optax": optax.__version__,
                "devices": [str(d) for d in jax.devices()]}

    def get_flat(self):
        return np.asarray(ravel_pytree(self.params)[0])

    def set_flat(self, v):
        self.params = self.unravel(jnp.asarray(v, dtype=jnp.float32))

    def to_batch(self, x, y):
        return jnp.asarray(x), jnp.asarray(y.astype(np.int32))

    def sync(self):
        jax.block_until_ready(self.params)

    def make_plain(self, lr, batch):
        opt = optax.sgd(lr)
        opt_state = [opt.init(self.params)]
        grad = jax.grad(self.loss)

        @jax.jit
        def run(p, s, x, y):
            u, s = opt.update(grad(p, x, y), s, p)
            return optax.apply_updates(p, u), s

        def step(x, y):
            self.params, opt_state[0] = run(self.params, opt_state[0], x, y)
        return step

    def make_dp(self, clip, sigma, lr, batch):
        self.calls += 1
        clipped = jax_privacy.clipped_grad(self.loss, l2_clip_norm=clip, batch_argnums=(1, 2),
                                           return_grad_norms=True,
                                           microbatch_size=self.microbatch)
        privatizer = noise_addition.gaussian_privatizer(
            stddev=sigma * clip, prng_key=jax.random.fold_in(self.key, 1000 + self.calls))
        opt = optax.sgd(lr)
        state = [opt.init(self.params), privatizer.init(self.params)]

        @jax.jit
        def run(p, s, ns, x, y):
            g, aux = clipped(p, x, y)
            g, ns = privatizer.update(g, ns)
            g = jax.tree_util.tree_map(lambda t: t / batch, g)
            u, s = opt.update(g, s, p)
            return optax.apply_updates(p, u), s, ns, aux.grad_norms

        def step(x, y):
            self.params, state[0], state[1], self._norms = run(self.params, state[0], state[1], x, y)
        return step

    def own_norms(self):
        return None if self._norms is None else np.asarray(self._norms)

    def reference_grads(self, x, y):
        g = jax.jit(lambda p, x, y: ravel_pytree(jax.grad(self.loss)(p, x, y))[0])
        return np.stack([np.asarray(g(self.params, jnp.asarray(x[i : i + 1]),
                                      jnp.asarray(y[i : i + 1].astype(np.int32))))
                         for i in range(len(x))])


if __name__ == "__main__":
    common.main(JaxPeer)

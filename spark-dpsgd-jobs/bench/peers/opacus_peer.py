"""Opacus (PyTorch) peer: make_private(..., grad_sample_mode="ghost") by default.

Ghost clipping computes per-example norms without per-example gradients for nn.Linear (Opacus
1.6.0 has ghost norm samplers for Linear and Embedding only); for nn.Conv2d, ghost mode computes
that layer's per-example gradients (its grad sampler) to get their norms, then does the second
backward pass as for the other layers. --mode hooks uses the classic per-sample gradients instead.
"""

import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import opacus  # noqa: E402
from opacus import PrivacyEngine  # noqa: E402


def build(model):
    if model == "logreg":
        return nn.Sequential(nn.Linear(784, 10))
    if model == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.Tanh(), nn.Linear(256, 10))
    # TF Privacy tutorial CNN; "same" padding for 8x8 stride 2 on 28x28 is 3 on each side.
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 16, 8, stride=2, padding=3), nn.ReLU(), nn.MaxPool2d(2, 1),
        nn.Conv2d(16, 32, 4, stride=2, padding=0), nn.ReLU(), nn.MaxPool2d(2, 1),
        nn.Flatten(), nn.Linear(512, 32), nn.ReLU(), nn.Linear(32, 10))


class OpacusPeer:
    name = "opacus"

    def __init__(self, model, mode, seed):
        torch.manual_seed(seed)
        self.model_name = model
        self.mode = mode
        self.module = build(model)  # the current model (a GradSampleModule after make_dp)
        self.descr = {"ghost": 'PrivacyEngine.make_private(grad_sample_mode="ghost", '
                      'poisson_sampling=False): ghost clipping (Linear), per-sample grads for the '
                      'norms of other layers (Conv2d)',
                      "hooks": 'PrivacyEngine.make_private(grad_sample_mode="hooks", '
                      'poisson_sampling=False): per-sample gradients by hooks'}[mode]

    @property
    def mode_description(self):
        return self.descr

    def versions(self):
        return {"torch": torch.__version__, "opacus": opacus.__version__,
                "torch_threads": torch.get_num_threads()}

    def _fresh(self):
        m = build(self.model_name)
        torch.nn.utils.vector_to_parameters(torch.nn.utils.parameters_to_vector(
            self._params()).detach().clone(), m.parameters())
        return m

    def _params(self):
        return self.module.parameters()

    def get_flat(self):
        return torch.nn.utils.parameters_to_vector(self._params()).detach().numpy().copy()

    def set_flat(self, v):
        torch.nn.utils.vector_to_parameters(torch.as_tensor(v, dtype=torch.float32), self._params())

    def to_batch(self, x, y):
        return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(y))

    def sync(self):
        pass

    def make_plain(self, lr, batch):
        m = self._fresh()
        self.module = m
        opt = torch.optim.SGD(m.parameters(), lr=lr)
        loss_fn = nn.CrossEntropyLoss()

        def step(x, y):
            opt.zero_grad(set_to_none=True)
            loss_fn(m(x), y).backward()
            opt.step()
        return step

    def make_dp(self, clip, sigma, lr, batch):
        m = self._fresh()
        opt = torch.optim.SGD(m.parameters(), lr=lr)
        # The loader only tells Opacus the batch size (expected_batch_size for the noise scale);
        # the timed loop feeds preloaded batches of that size, as for the other peers.
        ds = torch.utils.data.TensorDataset(torch.zeros(batch, 784), torch.zeros(batch, dtype=torch.long))
        loader = torch.utils.data.DataLoader(ds, batch_size=batch)
        engine = PrivacyEngine()
        kwargs = dict(module=m, optimizer=opt, data_loader=loader, noise_multiplier=sigma,
                      max_grad_norm=clip, poisson_sampling=False, grad_sample_mode=self.mode)
        if self.mode == "ghost":
            kwargs["criterion"] = nn.CrossEntropyLoss()
            gm, dpopt, crit, _ = engine.make_private(**kwargs)
        else:
            gm, dpopt, _ = engine.make_private(**kwargs)
            crit = nn.CrossEntropyLoss()
        assert dpopt.expected_batch_size == batch and dpopt.noise_multiplier == sigma
        self.module = gm
        self._dpopt = dpopt

        def step(x, y):
            dpopt.zero_grad(set_to_none=True)
            loss = crit(gm(x), y)
            loss.backward()
            self._last_norms = self._norms(gm)
            dpopt.step()
        return step

    def _norms(self, gm):
        if self.mode == "ghost":
            return None  # read after the step (per_sample_gradient_norms)
        gs = [p.grad_sample.reshape(p.grad_sample.shape[0], -1) for p in gm.parameters()
              if getattr(p, "grad_sample", None) is not None]
        return torch.cat(gs, dim=1).norm(dim=1).detach().numpy().copy()

    def own_norms(self):
        if self.mode == "ghost":
            return self.module.per_sample_gradient_norms.detach().numpy().copy()
        return self._last_norms

    def reference_grads(self, x, y):
        m = self._fresh()
        loss_fn = nn.CrossEntropyLoss()
        out = []
        for i in range(len(x)):
            m.zero_grad(set_to_none=True)
            loss_fn(m(torch.from_numpy(x[i : i + 1])), torch.from_numpy(y[i : i + 1])).backward()
            out.append(torch.cat([p.grad.reshape(-1) for p in m.parameters()]).numpy().copy())
        return np.stack(out)


if __name__ == "__main__":
    common.main(OpacusPeer)

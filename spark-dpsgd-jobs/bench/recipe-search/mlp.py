"""DP-SGD of a network with one hidden layer on the exported scattering features (groupnorm of 27
groups, as sweep.py), in NumPy: does a trained non-linear layer on top of the features beat the
linear model once clipping and noise are paid for? Per-example norms by the ghost form of each dense
layer (|a|^2 |g|^2, biases |g|^2), clipping to C, noise sigma * C, momentum 0.9, Poisson sampling;
--skip adds a linear path from the features to the logits. NumPy's PRNG: a search tool, NOT a
private release. Scores on sweep.py's 6,000-image validation split unless --test.

  python mlp.py --nonpriv --hidden 256 --act relu --batch 256 --lr 0.1 --epochs 30   # the ceiling
  python mlp.py --hidden 32 --act tanh --lr 16 --skip                               # DP, eps = 3
"""
import numpy as np, gzip, time, argparse
p = argparse.ArgumentParser()
p.add_argument('--hidden', type=int, default=64); p.add_argument('--act', default='tanh')
p.add_argument('--sigma', type=float, default=4.05); p.add_argument('--clip', type=float, default=0.1)
p.add_argument('--lr', type=float, default=4); p.add_argument('--batch', type=int, default=8192)
p.add_argument('--epochs', type=float, default=50); p.add_argument('--seeds', type=int, default=1)
p.add_argument('--nonpriv', action='store_true'); p.add_argument('--test', action='store_true')
p.add_argument('--skip', action='store_true', help='add a linear skip path from the features')
p.add_argument('--features', default='target/recipe-search', help='where ExportScattering wrote its files')
a = p.parse_args()
def load(part, n): return np.fromfile(f'{a.features}/{part}.f32', dtype='<f4').reshape(n, 81, 7, 7)
def labels(part):
    with gzip.open(f'/usr/share/datasets/fashion-mnist/{part}-labels-idx1-ubyte.gz') as f:
        return np.frombuffer(f.read()[8:], dtype=np.uint8).astype(np.int64)
Xtr, ytr = load('train', 60000), labels('train')
if a.test: Xva, yva = load('t10k', 10000), labels('t10k')
else:
    perm = np.random.default_rng(12345).permutation(60000); va, tr = perm[:6000], perm[6000:]
    Xva, yva, Xtr, ytr = Xtr[va], ytr[va], Xtr[tr], ytr[tr]
def feat(X):
    n = X.shape[0]; g = X.reshape(n, 27, -1)
    g = (g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)
    return g.reshape(n, -1).astype(np.float32)
Ftr, Fva = feat(Xtr), feat(Xva); del Xtr, Xva
N, D = Ftr.shape; H = a.hidden
act = {'tanh': (np.tanh, lambda z, h: 1 - h * h), 'relu': (lambda z: np.maximum(z, 0), lambda z, h: (z > 0).astype(np.float32))}[a.act]
def sm(z): z = z - z.max(1, keepdims=True); e = np.exp(z); return e / e.sum(1, keepdims=True)
accs = []
for seed in range(a.seeds):
    rng = np.random.default_rng(seed + 1)
    P = {'W1': (rng.standard_normal((D, H)) / np.sqrt(D)).astype(np.float32), 'b1': np.zeros(H, np.float32),
         'W2': np.zeros((H, 10), np.float32), 'b2': np.zeros(10, np.float32)}
    if a.skip: P['Ws'] = np.zeros((D, 10), np.float32)
    V = {k: np.zeros_like(v) for k, v in P.items()}
    steps = int(round(a.epochs * N / a.batch)); q = a.batch / N; t0 = time.time()
    for s in range(steps):
        idx = rng.choice(N, a.batch, replace=False) if a.nonpriv else np.nonzero(rng.random(N) < q)[0]
        X = Ftr[idx]; Y = np.eye(10, dtype=np.float32)[ytr[idx]]
        Z = X @ P['W1'] + P['b1']; Hh = act[0](Z); out = Hh @ P['W2'] + P['b2']
        if a.skip: out = out + X @ P['Ws']
        G2 = sm(out) - Y; G1 = (G2 @ P['W2'].T) * act[1](Z, Hh)
        x2 = (X * X).sum(1); g2 = (G2 * G2).sum(1); n2 = (Hh * Hh).sum(1) * g2 + g2
        if a.skip: n2 += x2 * g2
        g1 = (G1 * G1).sum(1); n2 += x2 * g1 + g1
        f = np.ones(len(idx), np.float32) if a.nonpriv else np.minimum(1, a.clip / (np.sqrt(n2) + 1e-12)).astype(np.float32)
        G2f = G2 * f[:, None]; G1f = G1 * f[:, None]
        grads = {'W2': Hh.T @ G2f, 'b2': G2f.sum(0)}
        if a.skip: grads['Ws'] = X.T @ G2f
        grads['W1'] = X.T @ G1f; grads['b1'] = G1f.sum(0)
        for k in P:
            g = grads[k]
            if not a.nonpriv: g = g + rng.normal(0, a.sigma * a.clip, g.shape).astype(np.float32)
            V[k] = 0.9 * V[k] + g / a.batch; P[k] -= a.lr * V[k]
    M = P
    o = np.tanh(Fva @ M['W1'] + M['b1']) if a.act == 'tanh' else np.maximum(Fva @ M['W1'] + M['b1'], 0)
    o = o @ M['W2'] + M['b2'] + (Fva @ M['Ws'] if a.skip else 0)
    acc = (o.argmax(1) == yva).mean(); accs.append(acc)
    print(f'seed {seed+1}: {100*acc:.2f}% ({steps} steps, {time.time()-t0:.0f} s)', flush=True)
print({k: v for k, v in vars(a).items() if k != 'features'}, f'mean {100*np.mean(accs):.2f}')

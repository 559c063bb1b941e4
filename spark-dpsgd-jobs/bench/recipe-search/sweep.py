"""DP-SGD of a linear classifier on exported scattering features (ExportScattering.java), in NumPy:
a fast stand-in for `dpsgd repeat --validation` when trying feature maps and clipping rules that the
engine does not have yet. Same recipe as conf/fashion-mnist-scatter.conf (Poisson sampling at
q = batch / n, per-example clipping to C, Gaussian noise sigma * C on the sum, momentum 0.9, division
by the expected batch); sigma is given, not calibrated (`dpsgd calibrate` gives it). The noise comes
from NumPy's PRNG: a search tool, NOT a private release. Scores on a fixed 6,000-image validation
split of the training set unless --test. Needs numpy.

  python sweep.py --seeds 2                      # the shipped recipe
  python sweep.py --seeds 2 --flip aug           # k = 2 augmentation multiplicity (image and mirror)
  python sweep.py --seeds 1 --nonpriv --batch 1024 --lr 0.01 --epochs 40   # no clipping, no noise
  python sweep.py --seeds 3 --sigma 0            # clipping without noise: the most DP-SGD could reach
  python sweep.py --seeds 3 --pixels 0.5 --dp-stats 20 --chan-whiten 0.5 --lr 8 --sigma 4.06
                                                 # centred and channel-whitened by privately released statistics
  python sweep.py --seeds 2 --pixels 0.5 --pca 1000 --whiten 0.5 --lr 4   # NON-private PCA whitening: a ceiling
"""
import numpy as np, gzip, sys, time, argparse
p = argparse.ArgumentParser()
p.add_argument('--transform', default='none', choices=['none', 'log', 'sqrt'])
p.add_argument('--groups', type=int, default=27)
p.add_argument('--sigma', type=float, default=4.05)
p.add_argument('--clip', type=float, default=0.1)
p.add_argument('--lr', type=float, default=16)
p.add_argument('--batch', type=int, default=8192)
p.add_argument('--epochs', type=float, default=50)
p.add_argument('--seeds', type=int, default=2)
p.add_argument('--test', action='store_true')
p.add_argument('--flip', default='none', choices=['none', 'aug', 'tie'])
p.add_argument('--eps', type=float, default=1e-3)
p.add_argument('--nonpriv', action='store_true')
p.add_argument('--features', default='target/recipe-search', help='where ExportScattering wrote its files')
p.add_argument('--auto', type=float, default=0)
p.add_argument('--adam', action='store_true')
p.add_argument('--j1', action='store_true')
p.add_argument('--seed0', type=int, default=0)
p.add_argument('--maps', type=int, default=81)
p.add_argument('--pool', type=int, default=1)
p.add_argument('--norm', default='group', choices=['group', 'rms'], help='rms: divide each group by its RMS, no centring')
p.add_argument('--crop', type=int, default=0, help='drop this many rings of border positions of the 7 x 7 maps')
p.add_argument('--save', default='', help='write each seed\'s W, b to SAVE-<seed>.npz (for tta.py)')
p.add_argument('--pixels', type=float, default=0, help='append the image\'s own pixels, standardised per image, times this weight')
p.add_argument('--pca', type=int, default=0, help='project the features on the top PCA directions of the training features')
p.add_argument('--pca-sigma', type=float, default=0, help='DP-PCA: each example scaled to norm <= 1, Gaussian noise of this sd on the second-moment matrix')
p.add_argument('--center', type=float, default=0, help='subtract this fraction of the training features\' mean')
p.add_argument('--stdize', type=float, default=0, help='divide each feature by its training sd to this power')
p.add_argument('--chan-whiten', type=float, default=0, help='ZCA-whiten the 81 channels (over all positions) to this power')
p.add_argument('--chan-sigma', type=float, default=0, help='DP noise on the 81 x 81 channel second moment (examples scaled to norm <= 1)')
p.add_argument('--space-whiten', type=float, default=0, help='then ZCA-whiten the 49 positions (over all channels) to this power')
p.add_argument('--group-whiten', type=float, default=0, help='ZCA-whiten each group of 3 maps (147 features) to this power')
p.add_argument('--dp-stats', type=float, default=0, help='centre and channel-whiten with statistics released by one Gaussian mechanism of this noise multiplier (sensitivity 1 for the pair: the features are at most 64.54 long)')
p.add_argument('--dp-space', type=float, default=0, help='with --dp-stats: also release the 49 x 49 position second moment and whiten the positions to this power (Kronecker-factored)')
p.add_argument('--dp-pix', type=float, default=0, help='with --dp-stats: also release the 28 x 28 row and column second moments of the pixels and whiten them to this power')
p.add_argument('--norm-to', type=float, default=0, help='with --dp-stats: rescale the normalised features to this mean norm (the channel-only recipe gives 51.6)')
p.add_argument('--ema', default='', help='comma-separated decays: also score exponential moving averages of the weights')
p.add_argument('--tail-decay', type=float, default=0, help='decay the learning rate linearly to 0 over this last fraction of the steps')
p.add_argument('--keep-rest', action='store_true', help='keep the directions after the top PCA ones (scaled as the last one of them)')
p.add_argument('--whiten', type=float, default=0, help='scale each PCA direction by eigenvalue^(-WHITEN/2) (0: plain projection, 1: full whitening), then rescale to the original mean norm')
a = p.parse_args()
D = 3969
def load(part, n):
    return np.fromfile(f'{a.features}/{part}.f32', dtype='<f4').reshape(n, 81, 7, 7)
def labels(part):
    with gzip.open(f'/usr/share/datasets/fashion-mnist/{part}-labels-idx1-ubyte.gz') as f:
        return np.frombuffer(f.read()[8:], dtype=np.uint8).astype(np.int64)
Xtr, ytr = load('train', 60000), labels('train')
if a.test:
    Xva, yva = load('t10k', 10000), labels('t10k')
else:
    rng = np.random.default_rng(12345); perm = rng.permutation(60000)
    va, tr = perm[:6000], perm[6000:]
    Xva, yva, Xtr, ytr = Xtr[va], ytr[va], Xtr[tr], ytr[tr]
# flip permutation of the 81 maps: orientation l -> (L - l) mod L, and mirror x
L = 8
def flipmap():
    idx = [0]
    for j in range(2):
        for l in range(L): idx.append(1 + j * L + (L - l) % L)
    base = 1 + 2 * L
    for l1 in range(L):
        for l2 in range(L): idx.append(base + ((L - l1) % L) * L + (L - l2) % L)
    return np.array(idx)
FM = flipmap()
def flip(X): return X[:, FM, :, ::-1]
def feat(X):
    if a.transform == 'log': X = np.log(X + a.eps)
    elif a.transform == 'sqrt': X = np.sqrt(X)
    X = X[:, :a.maps]
    if a.crop: X = X[:, :, a.crop:7 - a.crop, a.crop:7 - a.crop]
    if a.pool == 2: X = np.pad(X, ((0,0),(0,0),(0,1),(0,1)), mode='edge').reshape(X.shape[0], X.shape[1], 4, 2, 4, 2).mean((3,5))
    n = X.shape[0]; g = X.reshape(n, a.groups, -1)
    if a.norm == 'rms': g = g / np.sqrt((g * g).mean(2, keepdims=True) + 1e-5)
    else: g = (g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)
    return g.reshape(n, -1).astype(np.float32)
Ftr, Fva = feat(Xtr), feat(Xva)
if a.j1:
    def load1(part, n):
        return np.fromfile(f'{a.features}/{part}-j1.f32', dtype='<f4').reshape(n, 9, 14, 14)
    Y1 = load1('train', 60000)
    if a.test: Yva1 = load1('t10k', 10000); Ytr1 = Y1
    else: Yva1, Ytr1 = Y1[va], Y1[tr]
    def feat1(X):
        n = X.shape[0]; g = X.reshape(n, 3, -1)
        g = (g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)
        return g.reshape(n, -1).astype(np.float32)
    Ftr = np.concatenate([Ftr, feat1(Ytr1)], 1); Fva = np.concatenate([Fva, feat1(Yva1)], 1)
if a.pixels:
    def pixels(part, n):
        with gzip.open(f'/usr/share/datasets/fashion-mnist/{part}-images-idx3-ubyte.gz') as f:
            P = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(n, 784).astype(np.float32)
        return a.pixels * (P - P.mean(1, keepdims=True)) / np.sqrt(P.var(1, keepdims=True) + 1e-5)
    Ptr = pixels('train', 60000)
    if a.test: Pva = pixels('t10k', 10000)
    else: Pva, Ptr = Ptr[va], Ptr[tr]
    Ftr = np.concatenate([Ftr, Ptr], 1); Fva = np.concatenate([Fva, Pva], 1)
if a.flip != 'none':
    Ftr2 = feat(flip(Xtr)); Fva2 = feat(flip(Xva))
if a.flip == 'tie':
    Ftr = (Ftr + Ftr2) / 2; Fva = (Fva + Fva2) / 2
def sym_noise(M, sd, rng):
    """M plus symmetric Gaussian noise: sd on each entry of the upper triangle, mirrored."""
    E = rng.normal(0, sd, M.shape)
    return M + np.triu(E) + np.triu(E, 1).T
def zca(C, power):
    """V diag((lambda / mean lambda)^(-power/2)) V^T, eigenvalues floored at 1e-4 of the largest."""
    ev, V = np.linalg.eigh(C); ev = np.maximum(ev, ev.max() * 1e-4)
    return ((V * (ev / ev.mean()) ** (-power / 2)) @ V.T).astype(np.float32)
if a.dp_stats:
    # every feature vector is at most R long (27 groups of 147 standardised values, 784 pixels x 0.5),
    # so u = f / R has norm <= 1; the released tuple (sum u, then each second moment: the channels'
    # sum over positions of v v^T, and with --dp-space the positions', with --dp-pix the pixel rows'
    # and columns') changes by at most sqrt(1 + k) for k matrices (each at most |u|^2 <= 1 in
    # Frobenius norm, and the scattering and pixel parts share |u|^2 <= 1): noise sd sqrt(1 + k) * sigma
    R = np.sqrt(3969 + a.pixels ** 2 * 784)
    k = 1 + (a.dp_space > 0) + 2 * (a.dp_pix > 0)
    sd = np.sqrt(1 + k) * a.dp_stats
    rs = np.random.default_rng(777)
    n = Ftr.shape[0]
    U = Ftr / R
    mu = R * (U.sum(0) + rs.normal(0, sd, U.shape[1])) / n
    S = U[:, :3969].reshape(-1, 81, 49)
    M = (mu[:3969] / R).reshape(81, 49)
    C = sym_noise(np.einsum('ncp,ndp->cd', S, S).astype(np.float64), sd, rs) / n - M @ M.T
    Z = zca(C, a.chan_whiten)
    Zs = np.eye(49, dtype=np.float32)  # the positions untouched unless --dp-space
    if a.dp_space:
        Cs = sym_noise(np.einsum('ncp,ncq->pq', S, S).astype(np.float64), sd, rs) / n - M.T @ M
        Zs = zca(Cs, a.dp_space)
    if a.dp_pix:
        P = U[:, 3969:].reshape(-1, 28, 28); Mp = (mu[3969:] / R).reshape(28, 28)
        Zr = zca(sym_noise(np.einsum('nij,nkj->ik', P, P).astype(np.float64), sd, rs) / n - Mp @ Mp.T, a.dp_pix)
        Zc = zca(sym_noise(np.einsum('nij,nik->jk', P, P).astype(np.float64), sd, rs) / n - Mp.T @ Mp, a.dp_pix)
    before = np.linalg.norm(Ftr, axis=1).mean()
    def norm_(F):
        F = F - mu.astype(np.float32)
        sc = np.einsum('ncp,cd,pq->ndq', F[:, :3969].reshape(-1, 81, 49), Z, Zs, optimize=True).reshape(-1, 3969)
        rest = F[:, 3969:]
        if a.dp_pix:
            rest = np.einsum('nij,ik,jl->nkl', rest.reshape(-1, 28, 28), Zr, Zc, optimize=True).reshape(-1, 784)
        return np.concatenate([sc, rest], 1)
    Ftr, Fva = norm_(Ftr), norm_(Fva)
    if a.norm_to:
        r = a.norm_to / np.linalg.norm(Ftr, axis=1).mean(); Ftr *= r; Fva *= r
    print(f'dp stats, mean norm {np.linalg.norm(Ftr, axis=1).mean():.1f} (was {before:.1f})', flush=True)
if a.center or a.stdize:
    before = np.linalg.norm(Ftr, axis=1).mean()
    mu = Ftr.mean(0)
    sd = Ftr.std(0) if a.stdize else None
    Ftr = Ftr - a.center * mu; Fva = Fva - a.center * mu
    if a.stdize:
        d = (sd + 1e-3) ** -a.stdize
        Ftr = Ftr * d; Fva = Fva * d
    r = before / np.linalg.norm(Ftr, axis=1).mean(); Ftr *= r; Fva *= r
    print(f'centred/standardised, norm x {r:.2f}', flush=True)
if a.chan_whiten and not a.dp_stats:
    before = np.linalg.norm(Ftr, axis=1).mean()
    S = Ftr[:, :3969].reshape(-1, 81, 49)
    U = S / np.maximum(1, np.linalg.norm(Ftr, axis=1))[:, None, None]
    C = np.einsum('ncp,ndp->cd', U, U).astype(np.float64)
    if a.chan_sigma:
        C = sym_noise(C, a.chan_sigma, np.random.default_rng(998))
    Z = zca(C, a.chan_whiten)
    def cw(F):
        return np.concatenate([np.einsum('ncp,cd->ndp', F[:, :3969].reshape(-1, 81, 49), Z).reshape(-1, 3969), F[:, 3969:]], 1)
    Ftr, Fva = cw(Ftr), cw(Fva)
    if a.space_whiten:
        S = Ftr[:, :3969].reshape(-1, 81, 49)
        U = S / np.maximum(1, np.linalg.norm(Ftr, axis=1))[:, None, None]
        C = np.einsum('ncp,ncq->pq', U, U).astype(np.float64)
        if a.chan_sigma:
            C = sym_noise(C, a.chan_sigma, np.random.default_rng(997))
        Zs = zca(C, a.space_whiten)
        def sw(F):
            return np.concatenate([np.einsum('ncp,pq->ncq', F[:, :3969].reshape(-1, 81, 49), Zs).reshape(-1, 3969), F[:, 3969:]], 1)
        Ftr, Fva = sw(Ftr), sw(Fva)
    r = before / np.linalg.norm(Ftr, axis=1).mean(); Ftr *= r; Fva *= r
    print(f'channel-whitened, norm x {r:.2f}', flush=True)
if a.group_whiten:
    before = np.linalg.norm(Ftr, axis=1).mean()
    U = Ftr / np.maximum(1, np.linalg.norm(Ftr, axis=1, keepdims=True))
    for g in range(27):
        sl = slice(147 * g, 147 * (g + 1))
        C = (U[:, sl].T @ U[:, sl]).astype(np.float64)
        if a.chan_sigma:
            C = sym_noise(C, a.chan_sigma, np.random.default_rng(900 + g))
        Z = zca(C, a.group_whiten)
        Ftr[:, sl] = Ftr[:, sl] @ Z; Fva[:, sl] = Fva[:, sl] @ Z
    r = before / np.linalg.norm(Ftr, axis=1).mean(); Ftr *= r; Fva *= r
if a.pca:
    t0 = time.time()
    if a.pca_sigma:
        U = Ftr / np.maximum(1, np.linalg.norm(Ftr, axis=1, keepdims=True))
        M = (U.T @ U).astype(np.float64)
        M = sym_noise(M, a.pca_sigma, np.random.default_rng(999))
    else:
        M = (Ftr.T @ Ftr).astype(np.float64)
    ev, V = np.linalg.eigh(M); order = np.argsort(ev)[::-1][:a.pca]; ev, V = ev[order], V[:, order]
    scale = np.maximum(ev, ev[0] * 1e-6) ** (-a.whiten / 2)
    before = np.linalg.norm(Ftr, axis=1).mean()
    if a.keep_rest:
        # x' = x + V (diag(scale / scale_K) - I) V^T x: the top directions shrunk to the K-th one's level
        Vs = V.astype(np.float32); d = (scale / scale[-1] - 1).astype(np.float32)
        Ftr = Ftr + ((Ftr @ Vs) * d) @ Vs.T; Fva = Fva + ((Fva @ Vs) * d) @ Vs.T
    else:
        P = (V * scale).astype(np.float32)
        Ftr, Fva = Ftr @ P, Fva @ P
    r = before / np.linalg.norm(Ftr, axis=1).mean()
    Ftr *= r; Fva *= r
    print(f'pca {a.pca} in {time.time()-t0:.0f} s, mean norm {np.linalg.norm(Ftr, axis=1).mean():.1f}', flush=True)
N = Ftr.shape[0]
def softmax(z):
    z = z - z.max(1, keepdims=True); e = np.exp(z); return e / e.sum(1, keepdims=True)
accs = []
for seed in range(a.seed0, a.seed0 + a.seeds):
    rng = np.random.default_rng(seed + 1)
    W = np.zeros((Ftr.shape[1], 10), np.float32); b = np.zeros(10, np.float32)
    vW = np.zeros_like(W); vb = np.zeros_like(b)
    steps = int(round(a.epochs * N / a.batch)); q = a.batch / N
    t0 = time.time()
    emas = [float(d) for d in a.ema.split(',') if d]
    avg = [[W.copy(), b.copy()] for _ in emas]
    for s in range(steps):
        if a.nonpriv:
            idx = rng.choice(N, a.batch, replace=False)
        else:
            idx = np.nonzero(rng.random(N) < q)[0]
        X = Ftr[idx]; Y = np.eye(10, dtype=np.float32)[ytr[idx]]
        G = softmax(X @ W + b) - Y
        if a.flip == 'aug':
            X2 = Ftr2[idx]; G2 = softmax(X2 @ W + b) - Y
            # per-example gradient = 0.5 (x g^T + x2 g2^T); norm^2 via Gram
            n2 = 0.25 * ((X * X).sum(1) * (G * G).sum(1) + (X2 * X2).sum(1) * (G2 * G2).sum(1)
                         + 2 * (X * X2).sum(1) * (G * G2).sum(1)) + 0.25 * ((G + G2) ** 2).sum(1)
            norm = np.sqrt(n2)
            f = 1 if a.nonpriv else np.minimum(1, a.clip / (norm + 1e-12))[:, None]
            gW = 0.5 * (X.T @ (G * f) + X2.T @ (G2 * f)); gb = (0.5 * (G + G2) * f).sum(0)
        else:
            norm = np.sqrt((X * X).sum(1) * (G * G).sum(1) + (G * G).sum(1))
            f = 1 if a.nonpriv else (a.clip / (norm + a.auto))[:, None] if a.auto > 0 else np.minimum(1, a.clip / (norm + 1e-12))[:, None]
            gW = X.T @ (G * f); gb = (G * f).sum(0)
        if not a.nonpriv:
            gW = gW + rng.normal(0, a.sigma * a.clip, gW.shape); gb = gb + rng.normal(0, a.sigma * a.clip, 10)
        gW /= a.batch; gb /= a.batch
        if a.adam:
            if s == 0: mW, sW, mb, sb = 0*W, 0*W, 0*b, 0*b
            mW = 0.9*mW + 0.1*gW; sW = 0.999*sW + 0.001*gW*gW; mb = 0.9*mb + 0.1*gb; sb = 0.999*sb + 0.001*gb*gb
            c1 = 1 - 0.9**(s+1); c2 = 1 - 0.999**(s+1)
            W -= a.lr * (mW/c1) / (np.sqrt(sW/c2) + 1e-8); b -= a.lr * (mb/c1) / (np.sqrt(sb/c2) + 1e-8)
        else:
            vW = 0.9 * vW + gW; vb = 0.9 * vb + gb
            lr = a.lr * min(1, (steps - s) / (a.tail_decay * steps)) if a.tail_decay else a.lr
            W -= lr * vW; b -= lr * vb
        for d, (aW, ab) in zip(emas, avg):
            aW *= d; aW += (1 - d) * W; ab *= d; ab += (1 - d) * b
    acc = ((Fva @ W + b).argmax(1) == yva).mean()
    accs.append(acc)
    for d, (aW, ab) in zip(emas, avg):
        print(f'seed {seed+1} ema {d}: {100*((Fva @ aW + ab).argmax(1) == yva).mean():.2f}%', flush=True)
    if a.save: np.savez(f'{a.save}-{seed + 1}.npz', W=W, b=b)
    print(f'seed {seed+1}: {100*acc:.2f}%  ({steps} steps, {time.time()-t0:.0f} s)', flush=True)
print(f'{vars(a)} mean {100*np.mean(accs):.2f}')

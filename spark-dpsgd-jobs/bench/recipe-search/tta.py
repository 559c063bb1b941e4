"""Test-time augmentation for the linear model of sweep.py: the validation accuracy of each saved model
(sweep.py --save M) on the unshifted validation images, on each shifted copy (ExportShifted.java,
files val_<dx>_<dy>.f32 in the working directory) and with its softmax averaged over sets of
shifts. Post-processing of a released model costs no privacy; it helps only if the model's
predictions on shifted copies are as good as on the originals.

  python -c "import numpy as np; np.savetxt('val.txt', np.random.default_rng(12345).permutation(60000)[:6000], fmt='%d')"
  python tta.py M-1.npz M-2.npz
"""
import gzip, sys
import numpy as np
perm = np.random.default_rng(12345).permutation(60000)  # sweep.py's validation split
with gzip.open('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz') as f:
    y = np.frombuffer(f.read()[8:], dtype=np.uint8).astype(np.int64)[perm[:6000]]
def feat(X):  # sweep.py's groupnorm of 27 groups
    g = X.reshape(X.shape[0], 27, -1)
    g = (g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + 1e-5)
    return g.reshape(X.shape[0], -1)
one = ['1_0', '-1_0', '0_1', '0_-1']
diag = ['1_1', '1_-1', '-1_1', '-1_-1']
two = ['2_0', '-2_0', '0_2', '0_-2']
F = {s: feat(np.fromfile(f'val_{s}.f32', dtype='<f4').reshape(6000, -1)) for s in ['0_0'] + one + diag + two}
sets = {'none': ['0_0'], 'x +-1': ['0_0', '1_0', '-1_0'], 'y +-1': ['0_0', '0_1', '0_-1'],
        'cross +-1': ['0_0'] + one, '3 x 3': ['0_0'] + one + diag, '3 x 3 and +-2': list(F)}
def softmax(z):
    z = z - z.max(1, keepdims=True); e = np.exp(z); return e / e.sum(1, keepdims=True)
def acc(p): return round(100 * float((p.argmax(1) == y).mean()), 2)
for path in sys.argv[1:]:
    m = np.load(path); W, b = m['W'], m['b']
    print(path, 'averaged over', {k: acc(np.mean([softmax(F[s] @ W + b) for s in v], 0)) for k, v in sets.items()})
    print('  each shift alone', {s: acc(F[s] @ W + b) for s in F})

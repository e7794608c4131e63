"""Cross-check for io.cutflow.worker.matting: a small, slow numpy/scipy re-statement of rembg's
alpha_matting_cutout (trimap rule) with closed-form alpha (Levin et al. 2008, as pymatting's
estimate_alpha_cf: eps 1e-7, 3x3 windows, knowns fixed) solved exactly, and multilevel foreground
estimation (Germer et al. 2020, as pymatting's estimate_foreground_ml with its defaults).

Not run by the build. Regenerate the fixture with:
    python3 reference_matting.py matting-case.bin
Fixture layout (little-endian): int32 w, int32 h, then w*h*3 RGB bytes, w*h mask bytes,
w*h trimap bytes, w*h float64 alpha, w*h*3 float32 foreground.
"""
import sys
import numpy as np
import scipy.sparse
import scipy.sparse.linalg
from scipy.ndimage import binary_erosion


def trimap_of(mask, af=240, ab=10, ae=10):
    structure = np.ones((ae, ae), dtype=np.uint8) if ae > 0 else None
    fg = binary_erosion(mask > af, structure=structure)
    bg = binary_erosion(mask < ab, structure=structure, border_value=1)
    t = np.full(mask.shape, 128, dtype=np.uint8)
    t[fg] = 255
    t[bg] = 0
    return t


def cf_laplacian(image, is_known, eps=1e-7):
    h, w, _ = image.shape
    rows, cols, vals = [], [], []
    idx = np.arange(h * w).reshape(h, w)
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            if is_known[y - 1:y + 2, x - 1:x + 2].all():
                continue
            win = image[y - 1:y + 2, x - 1:x + 2].reshape(9, 3)
            mu = win.mean(axis=0)
            c = win - mu
            cov = (c.T @ c + eps * np.eye(3)) / 9
            m = np.linalg.inv(cov)
            block = np.eye(9) - (1 + c @ m @ c.T) / 9
            ids = idx[y - 1:y + 2, x - 1:x + 2].ravel()
            rows.append(np.repeat(ids, 9))
            cols.append(np.tile(ids, 9))
            vals.append(block.ravel())
    n = h * w
    return scipy.sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), (n, n))


def estimate_alpha(image, trimap):
    t = trimap.ravel() / 255.0
    is_fg = t >= 0.9
    is_known = is_fg | (t <= 0.1)
    is_unknown = ~is_known
    lap = cf_laplacian(image, is_known.reshape(trimap.shape))
    l_u = lap[is_unknown][:, is_unknown]
    r = lap[is_unknown][:, is_known]
    x = t.copy()
    x[is_unknown] = scipy.sparse.linalg.spsolve(l_u.tocsc(), -r.dot(is_fg[is_known].astype(float)))
    return np.clip(x, 0, 1).reshape(trimap.shape)


def estimate_foreground(image, alpha, reg=1e-5, small_iter=10, big_iter=2, small=32, gw=1.0):
    image = image.astype(np.float32)
    alpha = alpha.astype(np.float32)
    h0, w0, _ = image.shape
    fm = image[alpha > 0.9].sum(axis=0) / ((alpha > 0.9).sum() + 1e-5)
    bm = image[alpha < 0.1].sum(axis=0) / ((alpha < 0.1).sum() + 1e-5)
    f_prev = np.zeros((1, 1, 3), np.float32) + fm
    b_prev = np.zeros((1, 1, 3), np.float32) + bm
    n = int(np.ceil(np.log2(max(w0, h0))))

    def resize(src, w, h):
        hs, ws = src.shape[:2]
        ys = np.minimum(hs - 1, np.arange(h) * hs // h)
        xs = np.minimum(ws - 1, np.arange(w) * ws // w)
        return src[ys][:, xs].copy()

    for level in range(n + 1):
        w = round(w0 ** (level / n))
        h = round(h0 ** (level / n))
        img = resize(image, w, h)
        a = resize(alpha, w, h)
        f = resize(f_prev, w, h)
        b = resize(b_prev, w, h)
        iters = small_iter if w <= small and h <= small else big_iter
        for _ in range(iters):
            for y in range(h):
                for x in range(w):
                    a0 = float(a[y, x])
                    a1 = 1.0 - a0
                    a00, a01, a11 = a0 * a0, a0 * a1, a1 * a1
                    r0 = a0 * img[y, x].astype(np.float64)
                    r1 = a1 * img[y, x].astype(np.float64)
                    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                        x2 = max(0, min(w - 1, x + dx))
                        y2 = max(0, min(h - 1, y + dy))
                        da = reg + gw * abs(a0 - float(a[y2, x2]))
                        a00 += da
                        a11 += da
                        r0 = r0 + da * f[y2, x2]
                        r1 = r1 + da * b[y2, x2]
                    inv = 1.0 / (a00 * a11 - a01 * a01)
                    f[y, x] = np.clip(inv * a11 * r0 - inv * a01 * r1, 0, 1)
                    b[y, x] = np.clip(-inv * a01 * r0 + inv * a00 * r1, 0, 1)
        f_prev, b_prev = f, b
    return f_prev


def synthetic(w=72, h=56, seed=7):
    """Textured foreground over textured background with a feathered, hair-like alpha."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    fg = np.stack([0.75 + 0.2 * np.sin(xx / 3.0), 0.35 + 0.2 * np.cos(yy / 4.0),
                   0.2 + 0.1 * np.sin((xx + yy) / 5.0)], axis=2)
    bg = np.stack([0.15 + 0.1 * np.cos(xx / 7.0), 0.45 + 0.25 * np.sin(yy / 6.0),
                   0.8 - 0.2 * np.sin((xx - yy) / 9.0)], axis=2)
    r = np.hypot(xx - w / 2, yy - h / 2)
    strands = 3.0 * np.sin(np.arctan2(yy - h / 2, xx - w / 2) * 11)
    alpha = np.clip((h * 0.34 + strands - r) / 6.0 + 0.5, 0, 1)
    img = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    img = np.clip(np.round(img * 255 + rng.normal(0, 1.0, img.shape)), 0, 255).astype(np.uint8)
    mask = np.clip(np.round(alpha * 255), 0, 255).astype(np.uint8)
    return img, mask, alpha


if __name__ == "__main__":
    img, mask, _ = synthetic()
    h, w = mask.shape
    tri = trimap_of(mask)
    a = estimate_alpha(img / 255.0, tri)
    f = estimate_foreground(img / 255.0, a)
    with open(sys.argv[1], "wb") as out:
        out.write(np.array([w, h], "<i4").tobytes())
        out.write(img.tobytes())
        out.write(mask.tobytes())
        out.write(tri.tobytes())
        out.write(a.astype("<f8").tobytes())
        out.write(f.astype("<f4").tobytes())
    print("unknown", int((tri == 128).sum()), "alpha range", a.min(), a.max())

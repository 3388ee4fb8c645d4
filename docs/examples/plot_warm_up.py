"""
==========================================
Compiling the solvers ahead of time
==========================================

The solvers are numba kernels. The first fit in a fresh environment compiles the
kernels it needs, once: numba keeps them in its on-disk cache, and later processes
load them in milliseconds. :func:`~sklearn_tilt.warm_up` does that compiling ahead of
time, for instance while a Docker image is built or at the start of a CI job, so that
no later fit waits; ``sklearn-tilt compile`` on the command line calls it.

Each step is one small fit or one short path, for one kind of input the kernels
distinguish; ``compiled`` counts the kernel specialisations that numba compiled in
that step (0: everything came from the cache).
"""

# %%
# Warm up the kernels of the softplus loss for float64 data (and every small input)
# ---------------------------------------------------------------------------------
import matplotlib.pyplot as plt

from sklearn_tilt import warm_up

steps = warm_up(losses=("softplus",), dtypes=("float64",), verbose=True)

# %%
# Seconds per step
# ----------------
# On a cold cache the first step of each input type carries the compile; on a warm
# cache every step takes milliseconds.
fig, ax = plt.subplots(figsize=(6, 2.5))
labels = [f"{s['what']}, {s['input']}" for s in steps]
ax.barh(labels, [s["seconds"] for s in steps])
ax.invert_yaxis()
ax.set_xlabel("seconds")
ax.set_title("warm_up(losses=('softplus',), dtypes=('float64',))")
fig.tight_layout()
plt.show()

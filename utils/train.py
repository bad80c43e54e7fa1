"""PyTorch training helpers (introduced in day5_deep/01_tensors_to_mlp, where the loop is first
written out by hand; reused on Days 5–6).

``pick_device()`` chooses cuda → mps → cpu and says which; ``make_loader()`` builds a seeded
DataLoader; ``MLP`` and ``ResidualMLP`` are the two network shapes of the course; ``fit()`` trains
with early stopping on validation loss and returns the loss history; ``predict()`` runs inference.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "softplus": nn.Softplus,
               "gelu": nn.GELU}


def pick_device(verbose: bool = True) -> torch.device:
    """cuda if present, else Apple mps, else cpu; prints the choice. The course never needs a GPU."""
    if torch.cuda.is_available():
        dev = torch.device("cuda")
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        dev = torch.device("mps")
    else:
        dev = torch.device("cpu")
    if verbose:
        print(f"device: {dev.type}")
    return dev


def to_tensor(a) -> torch.Tensor:
    """Tensor of torch's default dtype (float64 after ``seed_everything``) from an array, DataFrame or
    Series (2-D for targets with one column); copies, so read-only pandas buffers never reach torch."""
    a = torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.get_default_dtype())
    return a.reshape(-1, 1) if a.ndim == 1 else a


def _device_of(model) -> "torch.device":
    """Where the model's weights live (CPU for a model without parameters): fit, evaluate and predict
    default to it, so a model moved to a GPU is not sent back."""
    return next((p.device for p in model.parameters()), torch.device("cpu"))


def _activation(name: str):
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {list(ACTIVATIONS)}.")
    return ACTIVATIONS[name]


def make_loader(X, y, batch_size: int = 64, shuffle: bool = True, seed: int = 0):
    """Mini-batches of (X, y), the same ones, in the same order, as PyTorch's
    ``DataLoader(TensorDataset(X, y), batch_size, shuffle, generator=torch.Generator().manual_seed(seed))``
    that day5_deep/01_tensors_to_mlp builds by hand (each epoch iterated to its end, as ``fit`` does), without
    fetching row by row (many times faster on small tables); reproducible, no worker processes."""
    return TensorBatches(to_tensor(X), to_tensor(y), batch_size, shuffle, seed)


class TensorBatches:
    """An iterable of (X[idx], y[idx]) batches that draws from its generator exactly as DataLoader with a
    RandomSampler does (a base seed, then two permutations per epoch), so the batches are identical."""

    def __init__(self, X, y, batch_size: int, shuffle: bool, seed: int):
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}; give one target row per input row.")
        self.X, self.y, self.batch_size, self.shuffle = X, y, int(batch_size), shuffle
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-len(self.X) // self.batch_size)

    def __iter__(self):
        n = len(self.X)
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)  # DataLoader's base seed
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator)
            torch.randperm(n, generator=self.generator)  # RandomSampler draws (and slices away) a second one
        else:
            order = torch.arange(n)
        for start in range(0, n, self.batch_size):
            idx = order[start:start + self.batch_size]
            yield self.X[idx], self.y[idx]


class MLP(nn.Module):
    """Plain multilayer perceptron: ``depth`` hidden layers of ``width`` units."""

    def __init__(self, n_in: int, n_out: int = 1, width: int = 64, depth: int = 2,
                 activation: str = "relu", dropout: float = 0.0):
        super().__init__()
        act = _activation(activation)
        layers, d = [], n_in
        for _ in range(depth):
            layers += [nn.Linear(d, width), act()] + ([nn.Dropout(dropout)] if dropout else [])
            d = width
        layers.append(nn.Linear(d, n_out))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class ResidualBlock(nn.Module):
    """X_{l+1} = X_l + F_l(X_l), the skip path exactly the identity (pre-activation form, He et al.
    2016), with F = activation → Linear → activation → Linear; so ∂X_{l+1}/∂X_l = 1 + ∂F_l/∂X_l."""

    def __init__(self, width: int, activation: str = "relu"):
        super().__init__()
        act = _activation(activation)
        self.f = nn.Sequential(act(), nn.Linear(width, width), act(), nn.Linear(width, width))

    def forward(self, x):
        return x + self.f(x)


class ResidualMLP(nn.Module):
    """Input layer, ``depth`` residual blocks of ``width`` units, activation, output layer
    (day6_improvement/03_residual_network). Same number of Linear layers as ``MLP(depth=2*depth+1)``."""

    def __init__(self, n_in: int, n_out: int = 1, width: int = 64, depth: int = 4, activation: str = "relu"):
        super().__init__()
        self.inp = nn.Linear(n_in, width)
        self.blocks = nn.Sequential(*[ResidualBlock(width, activation) for _ in range(depth)])
        self.out = nn.Sequential(_activation(activation)(), nn.Linear(width, n_out))

    def forward(self, x):
        return self.out(self.blocks(self.inp(x)))


def fit(model, train_loader, valid_loader=None, epochs: int = 200, lr: float = 1e-3,
        optimizer: str = "adam", weight_decay: float = 0.0, patience: int | None = 20,
        loss_fn=None, device=None, verbose: bool = False, restore_best: bool | None = None) -> dict:
    """Train ``model``; with ``valid_loader`` and ``patience`` stop early and restore the best weights
    (early stopping, day5_deep/02_training_techniques). With ``patience=None`` every epoch runs and the
    model keeps its last weights, unless ``restore_best=True`` asks for the best-validation epoch's.
    A loader may also be a tuple ``(X, y)``: then each epoch is one full-batch step (fast for small
    tables). Returns {'train': [...], 'valid': [...], 'best_epoch': int} (mean loss per epoch)."""
    device = device or _device_of(model)
    train_loader, valid_loader = _as_batches(train_loader), _as_batches(valid_loader)
    model.to(device)
    loss_fn = loss_fn or nn.MSELoss()
    opts = {"sgd": lambda p: torch.optim.SGD(p, lr=lr, weight_decay=weight_decay),
            "momentum": lambda p: torch.optim.SGD(p, lr=lr, momentum=0.9, weight_decay=weight_decay),
            "adagrad": lambda p: torch.optim.Adagrad(p, lr=lr, weight_decay=weight_decay),
            "adam": lambda p: torch.optim.Adam(p, lr=lr, weight_decay=weight_decay),
            "adamw": lambda p: torch.optim.AdamW(p, lr=lr, weight_decay=weight_decay)}
    if optimizer not in opts:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {list(opts)}.")
    opt = opts[optimizer](model.parameters())
    hist = {"train": [], "valid": [], "best_epoch": 0}
    best, best_state, wait = np.inf, None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
            count += len(xb)
        hist["train"].append(total / count)
        if valid_loader is not None:
            v = evaluate(model, valid_loader, loss_fn, device)
            hist["valid"].append(v)
            if v < best - 1e-12:
                best, best_state, wait, hist["best_epoch"] = v, copy.deepcopy(model.state_dict()), 0, epoch
            else:
                wait += 1
                if patience is not None and wait >= patience:
                    break
        if verbose and (epoch % 50 == 0 or epoch == 1):
            print(f"epoch {epoch:4d}  train {hist['train'][-1]:.4f}" +
                  (f"  valid {hist['valid'][-1]:.4f}" if hist["valid"] else ""))
    if restore_best is None:
        restore_best = patience is not None
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    return hist


def _as_batches(loader):
    """A tuple (X, y) becomes a one-batch list of tensors; a DataLoader (or None) passes through."""
    if isinstance(loader, tuple):
        X, y = loader
        return [(X if torch.is_tensor(X) else to_tensor(X), y if torch.is_tensor(y) else to_tensor(y))]
    return loader


@torch.no_grad()
def evaluate(model, loader, loss_fn=None, device=None) -> float:
    """Mean loss of ``model`` over a loader (or a tuple ``(X, y)``)."""
    device = device or _device_of(model)
    loader = _as_batches(loader)
    loss_fn = loss_fn or nn.MSELoss()
    model.eval()
    total, count = 0.0, 0
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        total += loss_fn(model(xb), yb).item() * len(xb)
        count += len(xb)
    return total / count


@torch.no_grad()
def predict(model, X, device=None) -> np.ndarray:
    """Model output for X as a numpy array (1-D when the model has one output)."""
    device = device or _device_of(model)
    model.eval()
    out = model(to_tensor(X).to(device)).cpu().numpy()
    return out[:, 0] if out.shape[1] == 1 else out

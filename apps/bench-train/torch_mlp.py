"""PyTorch CPU side of the @backprop training benchmark (apps/bench-train).

Fashion-MNIST, an MLP of the config's layer widths (784-256-128-10 by default) with ReLU (nn.Linear
defaults), nn.CrossEntropyLoss (mean), Adam lr 1e-3, the config's batch size (128 by default), a
fresh torch.randperm shuffle per epoch.

Run by the runner (src/run.ts) with Debian's interpreter, which has python3-torch:
    /usr/bin/python3 torch_mlp.py '{"dataDir": "...", "seed": 1, "variant": "1", "batchSize": 128,
                                    "layers": [784, 256, 128, 10]}'
variant = the number of intra-op threads, or "default" to leave torch its own choice. It speaks the same line protocol as the Node children:
JSON commands on stdin ({"cmd": "epoch", "epoch": n, "steps": null | k}, {"cmd": "eval"},
{"cmd": "quit"}), JSON answers on stdout prefixed by "@@bench-train ".
"""

import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

PREFIX = "@@bench-train "


def send(message):
    sys.stdout.write(PREFIX + json.dumps(message) + "\n")
    sys.stdout.flush()


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    payload = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank)
    if payload.size != int(np.prod(dims)):
        raise ValueError(f"{path}: payload does not match dims {dims}")
    return payload.reshape(dims)


def load(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.reshape(len(images), 784).astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def busy_cpu_seconds():
    """All busy CPU time of the machine from /proc/stat (same fields as bench-kit's withForeignLoad)."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
        return (user + nice + system + irq + softirq + steal) / 100.0
    except OSError:
        return None


def own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def loaded_blas():
    """The BLAS shared library this process mapped (Debian's torch links libblas.so.3)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
        return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none"
    except OSError:
        return "unknown"


def main():
    config = json.loads(sys.argv[1])
    threads = config.get("variant", "1")
    if threads != "default":
        torch.set_num_threads(int(threads))
    torch.manual_seed(config["seed"])
    t0 = time.perf_counter()
    x_train, y_train = load(config["dataDir"], "train")
    x_test, y_test = load(config["dataDir"], "test")
    widths = config["layers"]
    modules = []
    for i in range(len(widths) - 1):
        modules.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            modules.append(nn.ReLU())
    model = nn.Sequential(*modules)
    batch = config["batchSize"]
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    n = x_train.shape[0]
    info = f"torch {torch.__version__} threads={torch.get_num_threads()}, BLAS {loaded_blas()}"
    send({"type": "ready", "setupSeconds": time.perf_counter() - t0, "info": info})

    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if command["cmd"] == "epoch":
            busy0, own0, wall0 = busy_cpu_seconds(), own_cpu_seconds(), time.perf_counter()
            model.train()
            order = torch.randperm(n)
            total = (n + batch - 1) // batch
            steps = total if command.get("steps") is None else min(command["steps"], total)
            loss_sum = 0.0
            samples = 0
            for s in range(steps):
                idx = order[s * batch : (s + 1) * batch]
                xb, yb = x_train[idx], y_train[idx]
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
                loss_sum += loss.item()
                samples += len(idx)
            wall = time.perf_counter() - wall0
            own = own_cpu_seconds() - own0
            busy1 = busy_cpu_seconds()
            foreign = None if busy0 is None or busy1 is None else max(0.0, (busy1 - busy0 - own) / wall)
            send(
                {
                    "type": "epoch",
                    "epoch": command["epoch"],
                    "seconds": wall,
                    "steps": steps,
                    "samples": samples,
                    "meanLoss": loss_sum / steps,
                    "foreignCores": foreign,
                    "cpuSeconds": own,
                }
            )
        elif command["cmd"] == "eval":
            t = time.perf_counter()
            model.eval()
            with torch.no_grad():
                pred = model(x_test).argmax(dim=1)
            accuracy = (pred == y_test).float().mean().item()
            send({"type": "eval", "accuracy": accuracy, "seconds": time.perf_counter() - t})
        else:
            # ru_maxrss is in KiB on Linux.
            send({"type": "final", "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
            return


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # report to the runner instead of dying silently
        import traceback

        send({"type": "error", "message": traceback.format_exc() or str(error)})
        sys.exit(1)

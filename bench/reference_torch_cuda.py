#!/usr/bin/env python3
"""The PyTorch reference (reference_torch.py) on a CUDA device, for bench/train.ts
--torch-device cuda and bench/gpu.sh.

    python3 reference_torch_cuda.py PATH/reference_torch.py train|sample [its options] [--device cuda]

Imports the notebook's model, schedule, loss and sampler from the reference_torch.py given
(the same file bench/train.ts finds for the CPU reference: DIFFUSION_TORCH_REFERENCE or
../shared/bench/reference_torch.py) and times them on the GPU, with torch.cuda.synchronize()
around every timed region. Prints one "JSON " line with the CPU script's keys (img_per_s,
step_ms_median, step_ms, sample_s_total_T, achieved_gflops) plus device and peak_gpu_mib
(torch.cuda.max_memory_allocated). --device cpu runs the same code on the CPU (a smoke test
of this script where there is no GPU).
"""
import argparse
import importlib.util
import sys
import time

import torch


def load_reference(path):
    spec = importlib.util.spec_from_file_location("reference_torch", path)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    return ref


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_gpu_mib(device):
    return torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None


def device_name(device):
    return torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"


def build(ref, a):
    """The schedule and the seeded model, with its parameter count and forward FLOPs (counted on the CPU, before the move)."""
    ch = ref.parse_channels(a.channels)
    ref.check_img_size(ch, a.img_size)
    torch.manual_seed(0)
    s = ref.Schedule(a.T)
    model = ref.SimpleUnet(ch)
    nparams = sum(p.numel() for p in model.parameters())
    fwd_flops, _ = ref.forward_flops_per_image(model, a.img_size)
    return s, model, nparams, fwd_flops


def cmd_train(ref, a, device):
    s, model, nparams, fwd_flops = build(ref, a)
    model.to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=a.lr)
    B = a.batch_size
    data = torch.rand(B, 3, a.img_size, a.img_size, device=device) * 2 - 1

    def step():
        optimizer.zero_grad()
        t = torch.randint(0, a.T, (B,), device=device).long()
        loss = ref.get_loss(s, model, data, t)
        loss.backward()
        optimizer.step()
        return loss.item()  # a read back, as our step does

    t0 = time.perf_counter()
    for _ in range(a.warmup):
        step()
    sync(device)
    warm = time.perf_counter() - t0
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        sync(device)
        times.append(time.perf_counter() - t0)
    st = ref.stats(times)
    ips = B / st["median"]
    ref.emit({
        "kind": "train", "device": device_name(device), "channels": ref.parse_channels(a.channels), "params": nparams,
        "img_size": a.img_size, "batch": B, "T": a.T, "warmup_steps": a.warmup,
        "warmup_s": round(warm, 3), "steps": a.steps, "step_ms_median": st["median"] * 1e3,
        "step_ms_min": st["min"] * 1e3, "step_ms_max": st["max"] * 1e3,
        "img_per_s": ips, "img_per_s_best": B / st["min"],
        "fwd_gflop_per_img": fwd_flops / 1e9, "achieved_gflops": 3 * fwd_flops * ips / 1e9,
        "peak_gpu_mib": peak_gpu_mib(device), "peak_rss_mib": ref.peak_rss_mib(),
    })


def cmd_sample(ref, a, device):
    s, model, nparams, fwd_flops = build(ref, a)
    model.to(device).train(a.bn_train)
    B = a.batch_size
    with torch.no_grad():  # warm-up: one model call
        model(torch.randn(B, 3, a.img_size, a.img_size, device=device),
              torch.full((B,), a.T - 1, dtype=torch.long, device=device))
    n_steps = a.T if a.sample_steps is None else min(a.sample_steps, a.T)
    img = torch.randn((B, 3, a.img_size, a.img_size), device=device)
    sync(device)
    t0 = time.perf_counter()
    for i in range(a.T - 1, a.T - 1 - n_steps, -1):
        t = torch.full((B,), i, dtype=torch.long, device=device)
        img = ref.sample_timestep(s, model, img, t)
        img = torch.clamp(img, -1.0, 1.0)
    img.cpu()
    el = time.perf_counter() - t0
    per_step = el / n_steps
    ref.emit({
        "kind": "sample", "device": device_name(device), "channels": ref.parse_channels(a.channels), "params": nparams,
        "img_size": a.img_size, "batch": B, "T": a.T, "timed_steps": n_steps,
        "sample_s_total_T": per_step * a.T, "extrapolated": n_steps != a.T,
        "step_ms": per_step * 1e3, "img_per_s": B / (per_step * a.T),
        "fwd_gflop_per_img": fwd_flops / 1e9, "achieved_gflops": fwd_flops * B / per_step / 1e9,
        "bn_mode": "train" if a.bn_train else "eval",
        "peak_gpu_mib": peak_gpu_mib(device), "peak_rss_mib": ref.peak_rss_mib(),
    })


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    ref = load_reference(sys.argv[1])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cmd", choices=["train", "sample"])
    ap.add_argument("--channels", default=ref.REFERENCE_CHANNELS)
    ap.add_argument("--img-size", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--T", type=int, default=300)
    ap.add_argument("--steps", type=int, default=10, help="timed training steps")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--sample-steps", type=int, default=None,
                    help="time only this many sampler steps and extrapolate to T")
    ap.add_argument("--bn-train", action="store_true")
    ap.add_argument("--threads", type=int, default=None, help="CPU threads (ignored on CUDA)")
    ap.add_argument("--device", default="cuda")
    a = ap.parse_args(sys.argv[2:])
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device (torch.cuda.is_available() is False)")
    if a.threads:
        torch.set_num_threads(a.threads)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # as a tuned PyTorch run would
    {"train": cmd_train, "sample": cmd_sample}[a.cmd](ref, a, device)


if __name__ == "__main__":
    main()

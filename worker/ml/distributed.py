"""Data-parallel training over the processes torchrun starts: one per GPU (NCCL), or several
on a CPU (gloo) to test the same code path.

torchrun describes the group in the environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
MASTER_PORT); outside torchrun every helper here answers as a single process would.
"""

import os

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def init_from_env() -> None:
    """Join the process group torchrun set up; NCCL with one GPU per process, else gloo."""
    if dist.is_initialized() or not launched_by_torchrun():
        return
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank())
        dist.init_process_group("nccl")
    else:
        dist.init_process_group("gloo")


def shutdown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def is_main() -> bool:
    """Only the first process writes checkpoints, models and progress."""
    return rank() == 0


def device() -> str:
    if not torch.cuda.is_available():
        return "cpu"
    return f"cuda:{local_rank()}" if dist.is_initialized() else "cuda"


def wrap(model: nn.Module) -> nn.Module:
    """The module to run forward passes through: DDP averages its gradients over processes.

    Parameters and buffers are read and saved through the unwrapped module, so checkpoints
    look the same however many processes trained them."""
    if not dist.is_initialized() or not any(p.requires_grad for p in model.parameters()):
        return model
    device_ids = [local_rank()] if next(model.parameters()).is_cuda else None
    return DistributedDataParallel(model, device_ids=device_ids)

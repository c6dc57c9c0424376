// SPDX-License-Identifier: GPL-3.0-or-later
// The C allocator's settings for tensor work (glibc only; elsewhere both calls do nothing).
//
// glibc returns freed memory at the top of its heap to the system as soon as more than 128 KiB is
// free there, and serves blocks above a moving threshold (at most 32 MiB) with fresh mappings that
// it unmaps on free. A job that allocates and frees the same tensors of tens or hundreds of MiB in
// every chunk (the oracle's batches of routes, a prefill of 64 prompts) then pays a page fault per
// 4 KiB every time, and page faults are expensive on virtual machines: the batched oracle
// benchmark took 1.2 s that way and 0.24 s with the memory kept; a prefill of 64 x 128 tokens took
// 6-7 s and 3.1 s.
#pragma once
#include <string>

namespace lens {

// Blocks up to 1 GiB come from the heap, and up to 1 GiB of freed memory stays mapped for the
// next allocation, unless the environment already sets glibc's
// malloc options (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_ or a
// glibc.malloc tunable), which then win, or LENS_ALLOCATOR=glibc asks for glibc's defaults. Call once at the start of a program, before its threads.
// Returns what it did, in words.
std::string tuneAllocatorForTensors();

// What the last tuneAllocatorForTensors() said ("allocator: as glibc starts" before any call): the
// benchmarks record it with the machine's description.
std::string allocatorDescription();

// Gives the memory freed so far back to the system (malloc_trim): at the end of a job, so that an
// idle workbench does not hold a finished job's working set.
void releaseFreedMemory();

}  // namespace lens

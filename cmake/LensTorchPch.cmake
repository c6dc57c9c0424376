# SPDX-License-Identifier: GPL-3.0-or-later
# libtorch's umbrella header <torch/torch.h> takes ~10 s of a torch translation unit's 12-15 s to
# parse. lens_use_torch_pch(TARGET) precompiles it once (for lens_core) and lets every source of
# TARGET that includes libtorch use that one precompiled header; the other sources are compiled as
# before (they neither load it nor see declarations they did not include). A source uses it when it
# includes <torch/torch.h> or one of the project headers that include it (LENS_TORCH_HEADERS); the
# scan runs when CMake configures, so a source that starts including libtorch later builds correctly
# without it until the next configure. Sources with options of their own (COMPILE_OPTIONS: the
# OpenMP decoding kernels) keep their own parse: GCC refuses a header precompiled without their
# options and clang 14 crashes reporting the mismatch.
#
# -DLENS_PRECOMPILE_TORCH=OFF turns it off (e.g. to check that every file includes what it uses).
# With ccache, CCACHE_SLOPPINESS gets pch_defines,time_macros,include_file_mtime (ccache's
# documented requirements for precompiled headers), so torch sources are still cached.
option(LENS_PRECOMPILE_TORCH "Precompile libtorch's headers once for the sources that include them" ON)

set(LENS_TORCH_HEADERS "core/model/internal/engine.h" "core/train/internal/finetune.h")

function(lens_use_torch_pch target)
  if(NOT LENS_PRECOMPILE_TORCH)
    return()
  endif()
  set(patterns "torch/torch\\.h")
  foreach(h IN LISTS LENS_TORCH_HEADERS)
    string(REPLACE "." "\\." h "${h}")
    list(APPEND patterns "${h}")
  endforeach()
  list(JOIN patterns "|" alternatives)
  set(regex "^[ \t]*#[ \t]*include[ \t]*[<\"](${alternatives})[>\"]")
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(uses_torch FALSE)
  foreach(src IN LISTS sources)
    if(NOT src MATCHES "\\.(cpp|cc|cxx)$")
      continue()
    endif()
    get_filename_component(path "${src}" ABSOLUTE BASE_DIR "${source_dir}")
    get_source_file_property(own_options "${src}" COMPILE_OPTIONS)
    set(hits "")
    if(NOT own_options)
      file(STRINGS "${path}" hits REGEX "${regex}" LIMIT_COUNT 1)
    endif()
    if(hits)
      set(uses_torch TRUE)
    else()
      set_source_files_properties("${src}" PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
  endforeach()
  if(NOT uses_torch)
    return()
  endif()
  if(target STREQUAL "lens_core")
    target_precompile_headers(lens_core PRIVATE <torch/torch.h>)
    # The tests that reuse it are compiled with -fPIC (Qt's interface asks for it), and both
    # compilers refuse a precompiled header made with other code-model options.
    set_target_properties(lens_core PROPERTIES POSITION_INDEPENDENT_CODE ON)
  else()
    # The same flags as lens_core's torch sources but for definitions of their own, which neither
    # compiler holds against a precompiled header that does not use them.
    target_precompile_headers(${target} REUSE_FROM lens_core)
  endif()
endfunction()

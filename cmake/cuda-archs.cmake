# Which GPU architectures the CUDA layer is compiled for, in one function so that a test can ask it about machines
# this one is not (test/unit/cuda-archs.test.ts runs it with `cmake -P`).
#
#   trtjs_cuda_archs(<out> <nvcc --version text> <target processor> <cross-compiling> <device-tree compatible file>)
#
# A Jetson builds for its own GPU only (minutes less on its CPU): Orin (tegra234) sm_87, Xavier (tegra194) sm_72.
# Elsewhere the release list: Turing..Hopper, Blackwell where the compiler knows it, and PTX of the newest so that
# future GPUs JIT-compile; sm_87 is Jetson Orin's integrated GPU, which only an arm64 binary can meet.
function(trtjs_cuda_archs out nvcc_version processor crosscompiling compatible_file)
  if(NOT crosscompiling AND EXISTS "${compatible_file}")
    file(STRINGS "${compatible_file}" _compatible)
    if(_compatible MATCHES "tegra234")
      set(${out} 87-real PARENT_SCOPE)
      return()
    elseif(_compatible MATCHES "tegra194")
      set(${out} 72-real PARENT_SCOPE)
      return()
    endif()
  endif()
  string(REGEX MATCH "release ([0-9]+)\\.([0-9]+)" _ "${nvcc_version}")
  set(_cuda_ver "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
  set(_archs 75 80 86)
  if(processor MATCHES "aarch64|arm64")
    list(APPEND _archs 87)
  endif()
  if(_cuda_ver VERSION_GREATER_EQUAL 11.8)
    list(APPEND _archs 89 90)
  endif()
  if(_cuda_ver VERSION_GREATER_EQUAL 12.8)
    list(APPEND _archs 100 120)
  endif()
  list(GET _archs -1 _newest)
  list(TRANSFORM _archs APPEND "-real")
  list(APPEND _archs "${_newest}-virtual")
  set(${out} ${_archs} PARENT_SCOPE)
endfunction()

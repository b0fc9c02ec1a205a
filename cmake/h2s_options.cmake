# simdjson On-Demand picks its SIMD kernel at compile time: without these flags it falls back to
# scalar code. auto = the best of haswell (AVX2) / westmere (SSE4.2) this build machine can run.
set(H2S_MARCH "auto" CACHE STRING "Target CPU: auto | haswell | westmere | native | none")
if(H2S_MARCH STREQUAL "auto")
  include(CheckCXXSourceRuns)
  set(CMAKE_REQUIRED_FLAGS "-march=haswell")
  check_cxx_source_runs([[
    int main() { __builtin_cpu_init();
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("pclmul") ? 0 : 1; }
  ]] H2S_CPU_HASWELL)
  unset(CMAKE_REQUIRED_FLAGS)
  if(H2S_CPU_HASWELL)
    set(H2S_MARCH_RESOLVED haswell)
  else()
    set(H2S_MARCH_RESOLVED westmere)
  endif()
else()
  set(H2S_MARCH_RESOLVED ${H2S_MARCH})
endif()
if(NOT H2S_MARCH_RESOLVED STREQUAL "none")
  add_compile_options(-march=${H2S_MARCH_RESOLVED})
endif()
message(STATUS "h2s: -march=${H2S_MARCH_RESOLVED}")

# Compiler flags shared by every h2s target, applied through h2s_component().
add_library(h2s_flags INTERFACE)
target_compile_options(h2s_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
  -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast)
if(H2S_WERROR)
  target_compile_options(h2s_flags INTERFACE -Werror)
endif()
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  target_compile_options(h2s_flags INTERFACE -O3)
endif()

if(NOT H2S_SANITIZE STREQUAL "")
  add_compile_definitions(H2S_SANITIZER_BUILD=1)  # tests that replace the allocator step aside
endif()
if(H2S_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(H2S_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT H2S_SANITIZE STREQUAL "")
  message(FATAL_ERROR "H2S_SANITIZE must be '', 'address' or 'thread', not '${H2S_SANITIZE}'")
endif()

if(H2S_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "H2S_FUZZ needs clang (libFuzzer): CC=clang CXX=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)  # coverage feedback from every library
endif()

# h2s_component(NAME SOURCES... [DEPS ...]): one static library with include/ as its public header root.
function(h2s_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE h2s_flags)
endfunction()

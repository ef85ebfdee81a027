# Turns the kernel source into a C++ byte array, so txray carries its kernel
# and never depends on where it is run from. -DINPUT=file -DOUTPUT=file.cpp
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp" "// Generated from assets/kernels/raytrace.py by embed_kernel.cmake; do not edit.\n#include <cstddef>\nnamespace txray::interp {\nextern const char kKernelSource[];\nextern const std::size_t kKernelSourceSize;\nconst char kKernelSource[] = {\n${bytes}0};\nconst std::size_t kKernelSourceSize = sizeof(kKernelSource) - 1;\n}  // namespace txray::interp\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")

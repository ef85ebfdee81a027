# Turns a source file into a C++ byte array, so txray carries it and never
# depends on where it is run from. -DINPUT=file -DOUTPUT=file.cpp; optional
# -DNAMESPACE=ns -DSYMBOL=name (default: txray::interp, kKernelSource; the
# size is SYMBOL followed by "Size").
if(NOT NAMESPACE)
  set(NAMESPACE txray::interp)
endif()
if(NOT SYMBOL)
  set(SYMBOL kKernelSource)
endif()
get_filename_component(_name "${INPUT}" NAME)
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp" "// Generated from ${_name} by embed_kernel.cmake; do not edit.\n#include <cstddef>\nnamespace ${NAMESPACE} {\nextern const char ${SYMBOL}[];\nextern const std::size_t ${SYMBOL}Size;\nconst char ${SYMBOL}[] = {\n${bytes}0};\nconst std::size_t ${SYMBOL}Size = sizeof(${SYMBOL}) - 1;\n}  // namespace ${NAMESPACE}\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")

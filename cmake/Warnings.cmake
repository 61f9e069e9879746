# Warnings and optional sanitizers as INTERFACE targets that every target links,
# so the flags live in one place.
add_library(link_tools_warnings INTERFACE)
target_compile_options(link_tools_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)

option(LINK_TOOLS_SANITIZE "Build with AddressSanitizer and UBSan" OFF)
add_library(link_tools_sanitizers INTERFACE)
if(LINK_TOOLS_SANITIZE)
  target_compile_options(link_tools_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(link_tools_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

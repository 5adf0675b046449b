# FindFLINT.cmake: locates FLINT (header flint/flint.h, library flint) and defines the imported target FLINT::FLINT.
# Shipped with lyapcert because Debian's package has no CMake config; also used by lyapcertConfig.cmake.
include(FindPackageHandleStandardArgs)
find_path(FLINT_INCLUDE_DIR NAMES flint/flint.h)
find_library(FLINT_LIBRARY NAMES flint)
find_package_handle_standard_args(FLINT REQUIRED_VARS FLINT_LIBRARY FLINT_INCLUDE_DIR)
if(FLINT_FOUND AND NOT TARGET FLINT::FLINT)
  add_library(FLINT::FLINT UNKNOWN IMPORTED)
  set_target_properties(FLINT::FLINT PROPERTIES
    IMPORTED_LOCATION "${FLINT_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${FLINT_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "MPFR::MPFR;GMP::GMP")
endif()
mark_as_advanced(FLINT_INCLUDE_DIR FLINT_LIBRARY)

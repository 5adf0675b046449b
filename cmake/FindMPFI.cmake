# FindMPFI.cmake: locates MPFI (header mpfi.h, library mpfi) and defines the imported target MPFI::MPFI.
# Shipped with lyapcert because Debian's package has no CMake config; also used by lyapcertConfig.cmake.
include(FindPackageHandleStandardArgs)
find_path(MPFI_INCLUDE_DIR NAMES mpfi.h)
find_library(MPFI_LIBRARY NAMES mpfi)
find_package_handle_standard_args(MPFI REQUIRED_VARS MPFI_LIBRARY MPFI_INCLUDE_DIR)
if(MPFI_FOUND AND NOT TARGET MPFI::MPFI)
  add_library(MPFI::MPFI UNKNOWN IMPORTED)
  set_target_properties(MPFI::MPFI PROPERTIES
    IMPORTED_LOCATION "${MPFI_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MPFI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "MPFR::MPFR;GMP::GMP")
endif()
mark_as_advanced(MPFI_INCLUDE_DIR MPFI_LIBRARY)

# SPDX-License-Identifier: GPL-2.0-or-later
# Debian package. From the build directory:
#
#   cpack -G DEB        ->  sipadvisor_<version>_<arch>.deb
#
# It holds what `cmake --install` installs, under /usr: the plugin in
# Wireshark's global plugin folder (the one root's Wireshark honours too),
# sipadvisor-check in /usr/bin and the copyright file. A plugin only loads
# into the Wireshark major.minor it was built for, so the package depends on
# exactly that series of the libwireshark package the build links, found at
# configure time with `dpkg -S`.

set(SIPADVISOR_PACKAGE_MAINTAINER "Seed 9e9c7c88 maintainers <maintainers@users.noreply.b-seed-9e9c7c88.example>"
  CACHE STRING "Maintainer field of the Debian package")

# --- Which package ships the libwireshark we link? --------------------------
get_target_property(_sipadvisor_epan_configs epan IMPORTED_CONFIGURATIONS)
list(GET _sipadvisor_epan_configs 0 _sipadvisor_epan_config)
get_target_property(_sipadvisor_epan_location epan IMPORTED_LOCATION_${_sipadvisor_epan_config})
get_target_property(_sipadvisor_epan_soname epan IMPORTED_SONAME_${_sipadvisor_epan_config})
get_filename_component(_sipadvisor_epan_real "${_sipadvisor_epan_location}" REALPATH)

set(SIPADVISOR_LIBWIRESHARK_PACKAGE "")
find_program(SIPADVISOR_DPKG dpkg)
if(SIPADVISOR_DPKG)
  execute_process(COMMAND "${SIPADVISOR_DPKG}" -S "${_sipadvisor_epan_real}"
    OUTPUT_VARIABLE _sipadvisor_dpkg_out RESULT_VARIABLE _sipadvisor_dpkg_rc ERROR_QUIET
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  # "libwireshark16:amd64: /usr/lib/x86_64-linux-gnu/libwireshark.so.16.0.17"
  if(_sipadvisor_dpkg_rc EQUAL 0 AND _sipadvisor_dpkg_out MATCHES "^([a-z0-9][a-z0-9+.-]*)(:[a-z0-9-]+)?: ")
    set(SIPADVISOR_LIBWIRESHARK_PACKAGE "${CMAKE_MATCH_1}")
  endif()
endif()
if(NOT SIPADVISOR_LIBWIRESHARK_PACKAGE)
  # Wireshark not from a Debian package: Debian's naming, libwireshark<soversion>.
  string(REGEX REPLACE "^libwireshark\\.so\\.([0-9]+).*" "libwireshark\\1" SIPADVISOR_LIBWIRESHARK_PACKAGE
    "${_sipadvisor_epan_soname}")
  message(STATUS "sipadvisor package: no dpkg owner for ${_sipadvisor_epan_real}, "
                 "assuming ${SIPADVISOR_LIBWIRESHARK_PACKAGE}")
endif()
math(EXPR _sipadvisor_next_minor "${Wireshark_MINOR_VERSION} + 1")
set(_sipadvisor_ws_series "${Wireshark_MAJOR_VERSION}.${Wireshark_MINOR_VERSION}")
set(_sipadvisor_ws_next "${Wireshark_MAJOR_VERSION}.${_sipadvisor_next_minor}")
set(SIPADVISOR_PACKAGE_DEPENDS
  "${SIPADVISOR_LIBWIRESHARK_PACKAGE} (>= ${_sipadvisor_ws_series}), ${SIPADVISOR_LIBWIRESHARK_PACKAGE} (<< ${_sipadvisor_ws_next}), python3")
message(STATUS "sipadvisor package depends on: ${SIPADVISOR_PACKAGE_DEPENDS}")

# --- /usr/share/doc/sipadvisor/copyright (machine-readable, DEP-5) -----------
set(_sipadvisor_copyright "${CMAKE_CURRENT_BINARY_DIR}/debian/copyright")
file(WRITE "${_sipadvisor_copyright}"
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: sipadvisor
Comment: SPDX-License-Identifier: GPL-2.0-or-later

Files: *
Copyright: sipadvisor contributors
License: GPL-2+

License: GPL-2+
 This program is free software; you can redistribute it and/or modify
 it under the terms of the GNU General Public License as published by
 the Free Software Foundation; either version 2 of the License, or
 (at your option) any later version.
 .
 This program is distributed in the hope that it will be useful,
 but WITHOUT ANY WARRANTY; without even the implied warranty of
 MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 GNU General Public License for more details.
 .
 On Debian systems, the complete text of the GNU General Public License
 version 2 can be found in `/usr/share/common-licenses/GPL-2'.
")
install(FILES "${_sipadvisor_copyright}" DESTINATION share/doc/sipadvisor)

# --- CPack ---------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sipadvisor)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${SIPADVISOR_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Wireshark plugin explaining SIP responses")
set(CPACK_PACKAGE_DESCRIPTION
"sipadvisor is a Wireshark/tshark postdissector that tells what each SIP
response in a capture means, what most likely caused it and how to fix it:
a SIP Advisor subtree, Expert Info entries and filterable fields for all
IANA-registered response codes, with request links, RFC 3903 entity-tag
diagnosis of 412 and 3xx redirect follow-up.
.
sipadvisor-check runs tshark with the plugin as a CI gate: it fails when a
capture holds findings at or above a chosen severity and writes a JSON report.
.
Built for Wireshark ${_sipadvisor_ws_series}.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # sipadvisor_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${SIPADVISOR_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${SIPADVISOR_PACKAGE_DEPENDS}")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "tshark")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "wireshark")
find_program(SIPADVISOR_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(SIPADVISOR_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # adds libc6, libstdc++6, libglib2.0-0, ...
endif()
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "__pycache__")
include(CPack)

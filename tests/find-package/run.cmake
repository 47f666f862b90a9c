# Builds and runs the consumer in this folder (main.cpp) against a leadterra
# package, the way an application would. Run with cmake -P by the test suite:
#   -DBUILD_DIR=...     the leadterra build directory to use
#   -DLIBRARY_SOURCE_DIR=...  when set: first configure and build a shared
#                       leadterra and the CLI from this source tree into
#                       WORK_DIR/library, run the CLI's demo, and use that
#                       library instead of BUILD_DIR
#   -DCONSUMERS=...     any of: find_package (the installed package),
#                       build_tree (find_package with leadterra_DIR=<build dir>),
#                       pkg_config (the compiler with `pkg-config --cflags --libs`)
#                       c_find_package, c_build_tree, c_pkg_config: the same
#                       for the C walkthrough (C_SOURCE_DIR, compiled as C99
#                       with -Wall -Werror) against leadterra::leadterra_c
#   -DSOURCE_DIR= -DC_SOURCE_DIR= -DWORK_DIR= -DGENERATOR= -DCXX_COMPILER=
#   -DC_COMPILER= -DPKG_CONFIG= -DNM=
# CXXFLAGS and LDFLAGS of the environment (a sanitizer build sets them) reach
# every compile and link here, so that a consumer matches the library.
cmake_minimum_required(VERSION 3.20)
file(REMOVE_RECURSE "${WORK_DIR}")
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
function(run_consumer what program)
  run("${program}" "${WORK_DIR}/${what}.db")
  message(STATUS "${what} consumer said: ${last_output}")
  if(NOT last_output MATCHES "\"enrolled\":1")
    message(FATAL_ERROR "unexpected output of the ${what} consumer: ${last_output}")
  endif()
endfunction()
function(run_c_consumer what program)
  run("${program}" "${WORK_DIR}/${what}.db")
  message(STATUS "${what} consumer said: ${last_output}")
  if(NOT last_output MATCHES "walkthrough: ok")
    message(FATAL_ERROR "unexpected output of the ${what} consumer: ${last_output}")
  endif()
endfunction()
set(cmake_args -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
set(c_cmake_args -G "${GENERATOR}" "-DCMAKE_C_COMPILER=${C_COMPILER}")

# ---- A shared library, when asked ----
if(LIBRARY_SOURCE_DIR)
  set(BUILD_DIR "${WORK_DIR}/library")
  set(library_args)
  find_program(CCACHE ccache)
  if(CCACHE)
    list(APPEND library_args "-DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE}")
  endif()
  # Debug (-O0) compiles fastest; only the packaging is under test here.
  run("${CMAKE_COMMAND}" -S "${LIBRARY_SOURCE_DIR}" -B "${BUILD_DIR}" ${cmake_args} ${library_args}
      -DCMAKE_BUILD_TYPE=Debug -DBUILD_SHARED_LIBS=ON
      -DLEADTERRA_TESTS=OFF -DLEADTERRA_BENCH=OFF -DLEADTERRA_CLI=ON -DLEADTERRA_WARNINGS=OFF)
  # The CLI too: it sees the public headers only, so against a shared library
  # it links and runs only if everything it calls is exported.
  run("${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target leadterra leadterra_c leadterra_cli)
  run("${BUILD_DIR}/leadterra" --db "${WORK_DIR}/demo.db" demo)
  string(FIND "${last_output}" "\"enrolled\": 3" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "leadterra demo against the shared library did not enroll the three leads:\n${last_output}")
  endif()
endif()

# ---- Install into a scratch prefix ----
set(prefix "${WORK_DIR}/prefix")
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
# Sanitizer and fuzzing flags stay on our own targets: none may reach a consumer.
file(GLOB_RECURSE targets_files "${prefix}/*/leadterra-targets*.cmake")
if(NOT targets_files)
  message(FATAL_ERROR "no leadterra-targets*.cmake under ${prefix}")
endif()
foreach(file IN LISTS targets_files)
  file(STRINGS "${file}" leaked REGEX "sanitize|fuzzer")
  if(leaked)
    message(FATAL_ERROR "${file} passes instrumentation flags to consumers:\n${leaked}")
  endif()
endforeach()
file(GLOB_RECURSE pc_file "${prefix}/*/pkgconfig/leadterra.pc")
get_filename_component(libdir "${pc_file}" DIRECTORY)
get_filename_component(libdir "${libdir}" DIRECTORY)

# ---- A shared library: the file names and the exported symbols ----
if(LIBRARY_SOURCE_DIR)
  foreach(name IN ITEMS libleadterra.so libleadterra.so.0)
    if(NOT EXISTS "${libdir}/${name}")
      message(FATAL_ERROR "${libdir}/${name} is missing")
    endif()
  endforeach()
  if(NM)
    run("${NM}" -D -C --defined-only "${libdir}/libleadterra.so")
    set(symbols "${last_output}")
    # The public API is there ...
    foreach(expected IN ITEMS "leadterra::CampaignEngine::open" "leadterra::json::parseLeads" "leadterra::toString")
      string(FIND "${symbols}" "${expected}" at)
      if(at EQUAL -1)
        message(FATAL_ERROR "libleadterra.so does not export ${expected}")
      endif()
    endforeach()
    # ... and nothing of the internals or of the libraries linked into it.
    string(REGEX MATCHALL "[^\n]*(leadterra::detail|leadterra::EngineImpl::|SQLite::|nlohmann|simdjson::|date::)[^\n]*" hidden "${symbols}")
    if(hidden)
      list(JOIN hidden "\n" hidden)
      message(FATAL_ERROR "libleadterra.so exports internal symbols:\n${hidden}")
    endif()
  endif()
endif()

# ---- The C API: only the lt_* functions leave libleadterra_c ----
if(NM AND EXISTS "${libdir}/libleadterra_c.so")
  run("${NM}" -D --defined-only "${libdir}/libleadterra_c.so")
  string(REGEX MATCHALL "[^\n]+" lines "${last_output}")
  set(foreign "")
  foreach(line IN LISTS lines)
    # "<address> <type> <name>"; the linker's own markers are no API.
    string(REGEX REPLACE "^.* " "" name "${line}")
    if(NOT name MATCHES "^(lt_[a-z_]+|_init|_fini|_edata|_end|__bss_start)$")
      string(APPEND foreign "${line}\n")
    endif()
  endforeach()
  if(foreign)
    message(FATAL_ERROR "libleadterra_c.so exports more than the lt_* functions:\n${foreign}")
  endif()
  string(FIND "${last_output}" " lt_open" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "libleadterra_c.so does not export lt_open:\n${last_output}")
  endif()
endif()

# ---- The consumers ----
if("find_package" IN_LIST CONSUMERS)
  run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/find_package" ${cmake_args}
      "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=Release)
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}/find_package")
  run_consumer(find_package "${WORK_DIR}/find_package/consumer")
endif()

if("build_tree" IN_LIST CONSUMERS)
  run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/build_tree" ${cmake_args}
      "-Dleadterra_DIR=${BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release)
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}/build_tree")
  run_consumer(build_tree "${WORK_DIR}/build_tree/consumer")
endif()

if("pkg_config" IN_LIST CONSUMERS)
  set(ENV{PKG_CONFIG_PATH} "${libdir}/pkgconfig")
  set(static "")
  if(EXISTS "${libdir}/libleadterra.a")
    set(static --static)  # a static leadterra brings its dependencies
  endif()
  run("${PKG_CONFIG}" --cflags ${static} leadterra)
  separate_arguments(cflags UNIX_COMMAND "${last_output}")
  run("${PKG_CONFIG}" --libs ${static} leadterra)
  separate_arguments(libs UNIX_COMMAND "${last_output}")
  separate_arguments(env_cxxflags UNIX_COMMAND "$ENV{CXXFLAGS}")
  separate_arguments(env_ldflags UNIX_COMMAND "$ENV{LDFLAGS}")
  run("${CXX_COMPILER}" -std=c++20 ${env_cxxflags} ${cflags} "${SOURCE_DIR}/main.cpp"
      -o "${WORK_DIR}/pkg_config_consumer" ${env_ldflags} ${libs} "-Wl,-rpath,${libdir}")
  run_consumer(pkg_config "${WORK_DIR}/pkg_config_consumer")
endif()

# ---- The C consumers: the walkthrough, C99, against leadterra::leadterra_c ----
if("c_find_package" IN_LIST CONSUMERS)
  run("${CMAKE_COMMAND}" -S "${C_SOURCE_DIR}" -B "${WORK_DIR}/c_find_package" ${c_cmake_args}
      "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_BUILD_TYPE=Release)
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}/c_find_package")
  run_c_consumer(c_find_package "${WORK_DIR}/c_find_package/walkthrough")
endif()

if("c_build_tree" IN_LIST CONSUMERS)
  run("${CMAKE_COMMAND}" -S "${C_SOURCE_DIR}" -B "${WORK_DIR}/c_build_tree" ${c_cmake_args}
      "-Dleadterra_DIR=${BUILD_DIR}" -DCMAKE_BUILD_TYPE=Release)
  run("${CMAKE_COMMAND}" --build "${WORK_DIR}/c_build_tree")
  run_c_consumer(c_build_tree "${WORK_DIR}/c_build_tree/walkthrough")
endif()

if("c_pkg_config" IN_LIST CONSUMERS)
  set(ENV{PKG_CONFIG_PATH} "${libdir}/pkgconfig")
  # A shared library: no --static, whatever the type of the C++ library.
  run("${PKG_CONFIG}" --cflags leadterra-c)
  separate_arguments(cflags UNIX_COMMAND "${last_output}")
  run("${PKG_CONFIG}" --libs leadterra-c)
  separate_arguments(libs UNIX_COMMAND "${last_output}")
  separate_arguments(env_cflags UNIX_COMMAND "$ENV{CFLAGS}")
  separate_arguments(env_ldflags UNIX_COMMAND "$ENV{LDFLAGS}")
  run("${C_COMPILER}" -std=c99 -Wall -Werror ${env_cflags} ${cflags} "${C_SOURCE_DIR}/walkthrough.c"
      -o "${WORK_DIR}/c_pkg_config_consumer" ${env_ldflags} ${libs} "-Wl,-rpath,${libdir}")
  run_c_consumer(c_pkg_config "${WORK_DIR}/c_pkg_config_consumer")
endif()

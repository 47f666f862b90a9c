# The Python package installed the way docs/bindings.md says, offline: a
# virtual environment over the system's site packages, then pip without
# build isolation and without an index. The package is copied first, so
# that the build leaves nothing in the source folder. Then the walkthrough
# test runs against the installed copy, outside the checkout.
# cmake -DPYTHON=... -DSOURCE_DIR=... -DLIBRARY=... -DWORK_DIR=... -P install.cmake
foreach(var PYTHON SOURCE_DIR LIBRARY WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "install.cmake: ${var} is not set")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " line)
    message(FATAL_ERROR "failed (${rc}): ${line}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
file(COPY "${SOURCE_DIR}/python/pyproject.toml" "${SOURCE_DIR}/python/README.md" "${SOURCE_DIR}/python/leadterra"
     DESTINATION "${WORK_DIR}/src" PATTERN "__pycache__" EXCLUDE)
file(COPY "${SOURCE_DIR}/python/tests" DESTINATION "${WORK_DIR}" PATTERN "__pycache__" EXCLUDE)

run("${PYTHON}" -m venv --system-site-packages "${WORK_DIR}/venv")
set(ENV{PIP_NO_INDEX} 1)
set(ENV{PIP_DISABLE_PIP_VERSION_CHECK} 1)
run("${WORK_DIR}/venv/bin/pip" install -q --no-build-isolation --no-index --no-cache-dir "${WORK_DIR}/src")

set(ENV{LEADTERRA_LIBRARY} "${LIBRARY}")
set(ENV{LEADTERRA_TEST_INSTALLED} 1)
set(ENV{PYTHONDONTWRITEBYTECODE} 1)
run("${WORK_DIR}/venv/bin/python" -c
    "import leadterra, sys; assert '/venv/' in leadterra.__file__, leadterra.__file__; print('installed', leadterra.__version__, leadterra.__file__)")
run("${WORK_DIR}/venv/bin/python" -m pytest -q -p no:cacheprovider "${WORK_DIR}/tests/test_walkthrough.py"
    "${WORK_DIR}/tests/test_errors.py")

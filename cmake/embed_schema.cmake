# Writes OUTPUT, a C++ file holding every migration of FILES (sorted
# schema/NNNN_name.sql paths) as raw string literals, so that the library never
# looks for files at run time. Run with cmake -P.
set(body "// Generated from schema/*.sql by cmake/embed_schema.cmake. Do not edit.\n")
string(APPEND body "#include \"storage/migrations.hpp\"\n\nnamespace leadterra::detail {\n\n")
string(APPEND body "const std::vector<Migration>& migrations() {\n  static const std::vector<Migration> all = {\n")
#
# Versions must increase, each used once. A number may be missing: a
# migration can be written while the one numbered before it is still being
# written elsewhere. Files are migrated by version (a file at version N never
# runs a migration numbered N or lower), so a missing number must be filled
# before a release, or a file written in between would skip it.
set(previous 0)
foreach(file IN LISTS FILES)
  get_filename_component(name "${file}" NAME_WE)
  string(SUBSTRING "${name}" 0 4 number)
  math(EXPR version "${number}")
  if(NOT version GREATER previous)
    message(FATAL_ERROR "schema migrations must be numbered 0001, 0002, ... each once; found ${name}")
  endif()
  set(previous ${version})
  file(READ "${file}" sql)
  string(APPEND body "    {${version}, \"${name}\", R\"leadterra_sql(${sql})leadterra_sql\"},\n")
endforeach()
string(APPEND body "  };\n  return all;\n}\n\n}  // namespace leadterra::detail\n")
file(WRITE "${OUTPUT}.tmp" "${body}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)

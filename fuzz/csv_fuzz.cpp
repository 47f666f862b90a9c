// Fuzz target: the lead file readers (leadterra/import.hpp), CSV and JSON
// Lines, reading the input as a whole file.
//
// Checked beyond "no crash": the reader ends; it never reports more bytes
// read than the file has; every CSV row's "raw" text (what a rejects file
// shows) is valid JSON; the CSV columns' custom keys are unique, non-empty
// and never a standard field's name.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "leadterra/error.hpp"
#include "leadterra/import.hpp"
#include "leadterra/lead_row.hpp"

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

std::string scratch(const char* extension) {
  return (std::filesystem::temp_directory_path() / ("leadterra-fuzz-" + std::to_string(getpid()) + extension)).string();
}

void readAll(const std::string& path, const std::uint8_t* data, std::size_t size, bool csv) {
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  try {
    auto reader = leadterra::LeadFileReader::open(path);
    std::set<std::string> keys;
    for (const leadterra::LeadFileColumn& column : reader->layout().columns) {
      // No map: every column goes somewhere, except an export's state columns
      // ("leadterra:status", ...), which an import leaves out.
      const bool goesSomewhere = !column.field.empty() || !column.customKey.empty();
      require(goesSomewhere != column.header.starts_with("leadterra:"));
      if (column.customKey.empty()) continue;
      require(keys.insert(column.customKey).second);
      for (const char* field : {"email", "firstName", "lastName", "company", "jobTitle"}) require(column.customKey != field);
    }
    leadterra::LeadRow row;
    std::string raw;
    std::size_t rows = 0;
    while (reader->next(row, raw)) {
      require(++rows <= size + 1);  // every row consumes input
      require(reader->bytesRead() <= reader->totalBytes());
      if (csv) require(nlohmann::json::accept(raw));
    }
  } catch (const leadterra::Error&) {
    // A file the reader refuses (no header, no email column): a stated result.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string csv = scratch(".csv");
  static const std::string jsonl = scratch(".jsonl");
  readAll(csv, data, size, true);
  readAll(jsonl, data, size, false);
  return 0;
}

#define BOOST_TEST_MODULE c_api_coverage
// The C API keeps up with the C++ one. The public operations are read from
// the headers as they are now (not from a list kept here), so that an
// operation added to CampaignEngine without its C counterpart fails this
// test: every public member function of CampaignEngine, and every free
// function of the public headers that takes a CampaignEngine&, has a function
// lt_<name in snake case> in leadterra.h, which libleadterra_c exports. And
// docs/bindings.md shows the C walkthrough exactly as the test suite
// compiles it.
#include <boost/test/unit_test.hpp>

#include <dlfcn.h>

#include <cctype>
#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "leadterra/leadterra.h"
#include "test_util.hpp"

namespace {

const std::string kInclude = LEADTERRA_SOURCE_DIR "/include/leadterra/";

// The text without its comments (// and /* */), strings left alone.
std::string withoutComments(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "//") == 0) {
      while (i < text.size() && text[i] != '\n') ++i;
      out += '\n';
    } else if (text.compare(i, 2, "/*") == 0) {
      const std::size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? text.size() : end + 1;
      out += ' ';
    } else if (text[i] == '"') {
      const std::size_t start = i;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      out.append(text, start, i - start + 1);
    } else {
      out += text[i];
    }
  }
  return out;
}

// The names of the functions declared in `code`: an identifier followed by
// '(' whose previous token ends a type (a name, '>', '&', '*' or ']'), so
// that default arguments (= std::chrono::seconds(5)) and function types
// (std::function<void(int)>) are not taken for declarations.
std::set<std::string> declaredFunctions(const std::string& code) {
  static const std::set<std::string> kKeywords{"operator", "noexcept", "decltype", "sizeof", "alignof",
                                               "requires", "static_assert", "explicit", "return", "if"};
  std::set<std::string> names;
  const std::regex call(R"(([A-Za-z_][A-Za-z0-9_]*)\s*\()");
  for (auto it = std::sregex_iterator(code.begin(), code.end(), call); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    if (kKeywords.count(name) > 0 || !std::islower(static_cast<unsigned char>(name[0]))) continue;
    auto before = static_cast<std::size_t>(it->position(0));
    while (before > 0 && std::isspace(static_cast<unsigned char>(code[before - 1]))) --before;
    if (before == 0) continue;
    const char prev = code[before - 1];
    if (std::isalnum(static_cast<unsigned char>(prev)) || prev == '_' || prev == '>' || prev == '&' || prev == '*' ||
        prev == ']') {
      names.insert(name);
    }
  }
  return names;
}

// CampaignEngine's public member functions, from engine.hpp.
std::set<std::string> engineOperations() {
  const std::string code = withoutComments(leadterra::test::readFile(kInclude + "engine.hpp"));
  const std::size_t cls = code.find("class LEADTERRA_EXPORT CampaignEngine {");
  BOOST_REQUIRE(cls != std::string::npos);
  const std::size_t end = code.find("\n};", cls);
  BOOST_REQUIRE(end != std::string::npos);
  const std::string body = code.substr(cls, end - cls);
  // Sections by access specifier; only the public ones count.
  std::string visible;
  const std::regex access(R"(\b(public|private|protected)\s*:)");
  std::string current = "private";  // a class starts private
  std::size_t from = body.find('{') + 1;
  for (auto it = std::sregex_iterator(body.begin(), body.end(), access); it != std::sregex_iterator(); ++it) {
    const auto at = static_cast<std::size_t>(it->position(0));
    if (at < from) continue;
    if (current == "public") visible += body.substr(from, at - from);
    current = (*it)[1];
    from = at + static_cast<std::size_t>(it->length(0));
  }
  if (current == "public") visible += body.substr(from);
  return declaredFunctions(visible);
}

// The free functions of the public headers whose first parameter is a CampaignEngine&.
std::set<std::string> engineFunctions() {
  std::set<std::string> names;
  const std::regex takesEngine(R"(([a-z][A-Za-z0-9_]*)\s*\(\s*CampaignEngine\s*&)");
  for (const auto& entry : std::filesystem::directory_iterator(kInclude)) {
    if (entry.path().extension() != ".hpp") continue;
    const std::string code = withoutComments(leadterra::test::readFile(entry.path().string()));
    for (auto it = std::sregex_iterator(code.begin(), code.end(), takesEngine); it != std::sregex_iterator(); ++it) {
      names.insert((*it)[1]);
    }
  }
  return names;
}

std::string cName(const std::string& name) {
  std::string out = "lt_";
  for (char c : name) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_parser_finds_what_the_header_declares) {
  // A guard on the reader itself: a parser that finds nothing passes nothing.
  const std::set<std::string> operations = engineOperations();
  for (const char* known : {"open", "createWorkspace", "bulkUpsert", "claimDue", "markSent", "reportSignal",
                            "applyUnsubscribe", "listMessages", "removeSuppressionsBy"}) {
    BOOST_TEST(operations.count(known) == 1, known);
  }
  for (const char* notOne : {"CampaignEngine", "operator", "nullopt", "impl_", "scope"}) {
    BOOST_TEST(operations.count(notOne) == 0, notOne);
  }
  BOOST_TEST(engineFunctions() == (std::set<std::string>{"importFile", "previewFile"}),
             boost::test_tools::per_element());
  BOOST_TEST(declaredFunctions("Options options = std::chrono::seconds(5); std::function<void(int)> f;").empty());
  BOOST_TEST(cName("removeSuppressionsBy") == "lt_remove_suppressions_by");
}

BOOST_AUTO_TEST_CASE(every_public_operation_has_a_c_counterpart) {
  const std::string header = leadterra::test::readFile(kInclude + "leadterra.h");
  std::set<std::string> operations = engineOperations();
  const std::set<std::string> functions = engineFunctions();
  operations.insert(functions.begin(), functions.end());
  std::string missing;
  for (const std::string& operation : operations) {
    const std::string c = cName(operation);
    if (!std::regex_search(header, std::regex("LT_API [^;]*\\b" + c + "\\("))) missing += " " + operation + " -> " + c;
  }
  BOOST_TEST(missing.empty(), "operations of the C++ API without a C function in leadterra.h:" << missing);
}

BOOST_AUTO_TEST_CASE(every_function_of_the_header_is_exported) {
  const std::string header = withoutComments(leadterra::test::readFile(kInclude + "leadterra.h"));
  const std::regex declaration(R"(LT_API[^;(]*\b(lt_[a-z_]+)\s*\()");
  int count = 0;
  for (auto it = std::sregex_iterator(header.begin(), header.end(), declaration); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    ++count;
    BOOST_TEST(dlsym(RTLD_DEFAULT, name.c_str()) != nullptr, name);
  }
  BOOST_TEST(count > 40);
  BOOST_TEST(std::string(lt_version()) == LEADTERRA_VERSION);  // and the library is linked
}

BOOST_AUTO_TEST_CASE(the_bindings_guide_shows_the_walkthrough_as_compiled) {
  const std::string walkthrough = leadterra::test::readFile(LEADTERRA_SOURCE_DIR "/tests/c/walkthrough.c");
  const std::string guide = leadterra::test::readFile(LEADTERRA_SOURCE_DIR "/docs/bindings.md");
  BOOST_TEST(guide.find("```c\n" + walkthrough + "```\n") != std::string::npos,
             "docs/bindings.md must hold tests/c/walkthrough.c verbatim in a ```c block");
}

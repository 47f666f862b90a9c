#include "leads.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace bench {

namespace {

// SplitMix64: a tiny, portable generator (the standard distributions are not
// portable between library implementations; this is, so data never changes).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::uint64_t hashOf(std::uint64_t seed, std::uint64_t index, std::uint64_t stream) {
  return mix(mix(seed ^ (stream * 0xA24BAED4963EE407ULL)) ^ index);
}

template <std::size_t N>
const char* pick(const std::array<const char*, N>& list, std::uint64_t h) {
  return list[h % N];
}

constexpr std::array<const char*, 64> kFirstNames = {
    "Ava",    "Liam",   "Olivia", "Noah",   "Emma",    "Oliver", "Sophia", "Elijah", "Isabella", "James",  "Mia",
    "Lucas",  "Amelia", "Mateo",  "Harper", "Ethan",   "Evelyn", "Mason",  "Aria",   "Logan",    "Chloe",  "Leo",
    "Nora",   "Henry",  "Zoe",    "Jack",   "Layla",   "Owen",   "Riley",  "Caleb",  "Lily",     "Ryan",   "Hannah",
    "Nathan", "Grace",  "Samuel", "Ella",   "Daniel",  "Ines",   "Joao",   "Marta",  "Pedro",    "Ana",    "Tiago",
    "Sara",   "Miguel", "Julia",  "Felix",  "Clara",   "Jonas",  "Lea",    "Paul",   "Emilia",   "Anton",  "Freya",
    "Oskar",  "Ingrid", "Hugo",   "Alice",  "Arthur",  "Chiara", "Marco",  "Giulia", "Luca"};
constexpr std::array<const char*, 64> kLastNames = {
    "Smith",   "Johnson", "Williams", "Brown",   "Jones",   "Garcia",  "Miller",  "Davis",    "Rodriguez", "Martinez",
    "Lopez",   "Wilson",  "Anderson", "Thomas",  "Taylor",  "Moore",   "Jackson", "Martin",   "Lee",       "Perez",
    "Thompson", "White",  "Harris",   "Sanchez", "Clark",   "Ramirez", "Lewis",   "Robinson", "Walker",    "Young",
    "Allen",   "King",    "Wright",   "Scott",   "Torres",  "Nguyen",  "Hill",    "Flores",   "Green",     "Adams",
    "Nelson",  "Baker",   "Hall",     "Rivera",  "Campbell", "Mitchell", "Carter", "Roberts",  "Silva",     "Santos",
    "Ferreira", "Pereira", "Costa",   "Muller",  "Schmidt", "Schneider", "Fischer", "Weber",   "Rossi",     "Russo",
    "Bianchi", "Romano",  "Dubois",   "Laurent"};
constexpr std::array<const char*, 20> kCompanyA = {"Blue",  "North",  "Silver", "Bright", "Red",   "Green", "Iron",
                                                   "Swift", "Clear",  "Prime",  "Nova",   "Summit", "Urban", "Golden",
                                                   "Cedar", "Harbor", "Atlas",  "Quantum", "Vertex", "Lumen"};
constexpr std::array<const char*, 25> kCompanyB = {
    "Harbor", "Peak",  "River", "Stone", "Field",  "Bridge", "Wave",  "Forge",  "Point", "Gate",  "Path",  "Light", "Cloud",
    "Grid",   "Lake",  "Ridge", "Spark", "Trail",  "Works",  "Signal", "Arc",   "Loop",  "Orbit", "Pixel", "Vale"};
constexpr std::array<const char*, 10> kCompanyC = {"Analytics", "Labs",    "Systems", "Software", "Logistics",
                                                   "Health",    "Capital", "Media",   "Robotics", "Energy"};
constexpr std::size_t kCompanies = kCompanyA.size() * kCompanyB.size() * kCompanyC.size();  // 5,000
constexpr std::array<const char*, 30> kTitles = {
    "Head of Sales",        "VP Marketing",          "CTO",
    "Chief Executive Officer", "Founder",            "Engineering Manager",
    "Director of Operations", "Growth Lead",         "Product Manager",
    "Head of People",       "Sales Development Representative", "Account Executive",
    "Marketing Manager",    "Chief Revenue Officer", "Data Scientist",
    "Head of Partnerships", "Procurement Manager",   "IT Director",
    "Customer Success Lead", "Finance Director",    "Operations Analyst",
    "Brand Manager",        "Recruiter",             "Head of Product",
    "Solutions Architect",  "Content Lead",          "Demand Generation Manager",
    "COO",                  "Talent Acquisition Partner", "Business Development Manager"};
constexpr std::array<const char*, 30> kCities = {
    "Lisbon",  "Porto",    "Madrid",     "Barcelona", "Paris",    "Lyon",     "Berlin",  "Munich",  "Hamburg",   "Vienna",
    "Zurich",  "Milan",    "Rome",       "Amsterdam", "Brussels", "London",   "Dublin",  "Oslo",    "Stockholm", "Helsinki",
    "Warsaw",  "Prague",   "New York",   "Boston",    "Austin",   "Seattle",  "Toronto", "Chicago", "Denver",    "Sao Paulo"};
constexpr std::array<const char*, 20> kIndustries = {
    "Software",  "Fintech",      "E-commerce", "Healthcare",  "Logistics",  "Manufacturing", "Education",
    "Insurance", "Real Estate",  "Media",      "Energy",      "Retail",     "Travel",        "Cybersecurity",
    "Biotech",   "Telecom",      "Legal",      "Automotive",  "Consulting", "Gaming"};
constexpr std::array<const char*, 10> kSources = {"webinar-2025-q2", "conference-lisbon", "inbound-demo",  "partner-referral",
                                                  "linkedin-ads",    "content-download",  "trade-show-berlin",
                                                  "cold-list-q3",    "newsletter",        "product-signup"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string companyName(std::size_t index) {
  const std::size_t a = index % kCompanyA.size();
  const std::size_t b = (index / kCompanyA.size()) % kCompanyB.size();
  const std::size_t c = index / (kCompanyA.size() * kCompanyB.size());
  return fmt::format("{} {} {}", kCompanyA[a], kCompanyB[b], kCompanyC[c]);
}

std::string companyDomain(std::size_t index) {
  const std::size_t a = index % kCompanyA.size();
  const std::size_t b = (index / kCompanyA.size()) % kCompanyB.size();
  const std::size_t c = index / (kCompanyA.size() * kCompanyB.size());
  return lower(fmt::format("{}{}-{}.com", kCompanyA[a], kCompanyB[b], kCompanyC[c]));
}

// " Ava.Smith.12@BLUEHARBOR-ANALYTICS.COM ": the same address as a person
// typing it again would, which normalizes back to the original.
std::string mangle(const std::string& email) {
  std::string out = " ";
  bool capitalizeNext = true;
  bool inDomain = false;
  for (char c : email) {
    if (c == '@') inDomain = true;
    if ((inDomain || capitalizeNext) && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    capitalizeNext = c == '.';
    out.push_back(c);
  }
  out.push_back(' ');
  return out;
}

void appendCsvCell(std::string& out, std::string_view cell) {
  if (cell.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(cell);
    return;
  }
  out.push_back('"');
  for (char c : cell) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

Person person(std::uint64_t seed, std::uint64_t index) {
  const std::uint64_t h = hashOf(seed, index, 1);
  const std::uint64_t g = hashOf(seed, index, 2);
  const std::size_t company = static_cast<std::size_t>(g % kCompanies);
  Person p;
  p.firstName = pick(kFirstNames, h);
  p.lastName = pick(kLastNames, h >> 8);
  p.company = companyName(company);
  p.domain = companyDomain(company);
  p.jobTitle = pick(kTitles, h >> 16);
  p.email = fmt::format("{}.{}.{}@{}", lower(p.firstName), lower(p.lastName), index, p.domain);
  p.city = pick(kCities, h >> 24);
  p.industry = pick(kIndustries, h >> 32);
  p.employees = std::to_string(5 + (g >> 20) % 20000);
  p.linkedin = fmt::format("https://www.linkedin.com/in/{}-{}-{:x}", lower(p.firstName), lower(p.lastName), index);
  p.source = pick(kSources, h >> 40);
  p.score = std::to_string((h >> 48) % 100);
  return p;
}

std::string customFieldsJson(const Person& p) {
  // All values are plain ASCII without quotes or backslashes: no escaping needed.
  return fmt::format(R"({{"city":"{}","industry":"{}","employees":"{}","linkedin":"{}","source":"{}","score":"{}"}})",
                     p.city, p.industry, p.employees, p.linkedin, p.source, p.score);
}

std::vector<Person> makePeople(std::uint64_t seed, std::uint64_t first, std::size_t count, double duplicateShare) {
  const auto threshold = static_cast<std::uint64_t>(duplicateShare * 1'000'000.0);
  std::vector<Person> out;
  out.reserve(count);
  for (std::size_t k = 0; k < count; ++k) {
    const std::uint64_t index = first + k;
    const std::uint64_t r = hashOf(seed, index, 3);
    if (k > 0 && r % 1'000'000 < threshold) {
      // A repeat of an earlier row of this call, typed differently, with a new title.
      const std::uint64_t earlier = first + (r >> 24) % k;
      Person p = person(seed, earlier);
      p.email = mangle(p.email);
      p.jobTitle = pick(kTitles, r >> 40);
      out.push_back(std::move(p));
    } else {
      out.push_back(person(seed, index));
    }
  }
  return out;
}

leadterra::LeadInput toInput(const Person& p) {
  leadterra::LeadInput in;
  in.email = p.email;
  in.firstName = p.firstName;
  in.lastName = p.lastName;
  in.company = p.company;
  in.jobTitle = p.jobTitle;
  in.customFields = customFieldsJson(p);
  return in;
}

std::vector<leadterra::LeadInput> makeLeads(std::uint64_t seed, std::uint64_t first, std::size_t count,
                                            double duplicateShare) {
  std::vector<leadterra::LeadInput> out;
  out.reserve(count);
  for (const Person& p : makePeople(seed, first, count, duplicateShare)) out.push_back(toInput(p));
  return out;
}

std::vector<std::string> SuppressionList::entries() const {
  std::vector<std::string> out = emails;
  out.insert(out.end(), domains.begin(), domains.end());
  return out;
}

SuppressionList makeSuppressions(std::uint64_t seed, std::uint64_t first, std::size_t count) {
  SuppressionList list;
  for (std::uint64_t i = first; i < first + count; ++i) {
    if (i % 97 == 0) list.emails.push_back(person(seed, i).email);
  }
  for (std::size_t c = 0; c < kCompanies; c += 250) list.domains.push_back(companyDomain(c));
  return list;
}

std::string simpleNormalize(const std::string& email) {
  std::size_t begin = 0;
  std::size_t end = email.size();
  while (begin < end && (email[begin] == ' ' || email[begin] == '\t')) ++begin;
  while (end > begin && (email[end - 1] == ' ' || email[end - 1] == '\t')) --end;
  return lower(std::string_view(email).substr(begin, end - begin));
}

Expected expectedCounts(const std::vector<leadterra::LeadInput>& rows, std::unordered_set<std::string>& existing,
                        const SuppressionList* suppressions) {
  std::unordered_set<std::string> emails;
  std::unordered_set<std::string> domains;
  if (suppressions) {
    emails.insert(suppressions->emails.begin(), suppressions->emails.end());
    domains.insert(suppressions->domains.begin(), suppressions->domains.end());
  }
  Expected e;
  for (const leadterra::LeadInput& row : rows) {
    std::string email = simpleNormalize(row.email.value());
    const std::string domain = email.substr(email.find('@') + 1);
    if (emails.count(email) || domains.count(domain)) {
      ++e.skipped;
    } else if (existing.insert(std::move(email)).second) {
      ++e.enrolled;
    } else {
      ++e.updated;
    }
  }
  return e;
}

std::string bulkBody(const std::vector<leadterra::LeadInput>& rows) {
  nlohmann::json leads = nlohmann::json::array();
  for (const leadterra::LeadInput& row : rows) {
    nlohmann::json lead = nlohmann::json::object();
    lead["email"] = row.email.value();
    lead["firstName"] = row.firstName.value();
    lead["lastName"] = row.lastName.value();
    lead["company"] = row.company.value();
    lead["jobTitle"] = row.jobTitle.value();
    if (row.customFields) lead["customFields"] = nlohmann::json::parse(*row.customFields);
    leads.push_back(std::move(lead));
  }
  nlohmann::json body = nlohmann::json::object();
  body["leads"] = std::move(leads);
  return body.dump();
}

namespace {

constexpr std::size_t kFileChunk = 10'000;  // a lead file's duplicates repeat rows of the same chunk

void appendJsonlLine(std::string& out, const Person& p) {
  nlohmann::json lead = nlohmann::json::object();
  lead["email"] = p.email;
  lead["firstName"] = p.firstName;
  lead["lastName"] = p.lastName;
  lead["company"] = p.company;
  lead["jobTitle"] = p.jobTitle;
  out += lead.dump();
  out.pop_back();  // '}': customFields follow, already JSON
  out += R"(,"customFields":)";
  out += customFieldsJson(p);
  out += "}\n";
}

void appendCsvLine(std::string& out, const Person& p) {
  for (const std::string* cell : {&p.email, &p.firstName, &p.lastName, &p.company, &p.jobTitle, &p.city, &p.industry,
                                  &p.employees, &p.linkedin, &p.source, &p.score}) {
    if (cell != &p.email) out.push_back(',');
    appendCsvCell(out, *cell);
  }
  out.push_back('\n');
}

}  // namespace

std::vector<leadterra::LeadInput> fileLeads(std::uint64_t seed, std::size_t count) {
  std::vector<leadterra::LeadInput> out;
  out.reserve(count);
  for (std::size_t done = 0; done < count; done += kFileChunk) {
    for (const Person& p : makePeople(seed, done, std::min(kFileChunk, count - done))) out.push_back(toInput(p));
  }
  return out;
}

std::size_t writeLeadFile(const std::string& path, std::uint64_t seed, std::size_t count, LeadFileKind kind,
                          Expected& expected) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!file) throw std::runtime_error("cannot write " + path);
  std::string text;
  if (kind == LeadFileKind::csv) {
    text = "email,first_name,last_name,company,job_title,city,industry,employees,linkedin,source,score\n";
  }
  std::unordered_set<std::string> seen;
  expected = {};
  for (std::size_t done = 0; done < count; done += kFileChunk) {
    const std::size_t n = std::min(kFileChunk, count - done);
    for (const Person& p : makePeople(seed, done, n)) {
      if (kind == LeadFileKind::csv) {
        appendCsvLine(text, p);
      } else {
        appendJsonlLine(text, p);
      }
      if (seen.insert(simpleNormalize(p.email)).second) {
        ++expected.enrolled;
      } else {
        ++expected.updated;
      }
    }
    if (std::fwrite(text.data(), 1, text.size(), file.get()) != text.size()) {
      throw std::runtime_error("cannot write " + path);
    }
    text.clear();
  }
  if (std::fflush(file.get()) != 0) throw std::runtime_error("cannot write " + path);
  return count;
}

}  // namespace bench

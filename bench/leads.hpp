// Synthetic leads for the benchmark: realistic names, companies, job titles
// and about 150 bytes of customFields per lead, some duplicated within a
// batch (with different case and spacing), some on a suppression list.
//
// Everything is a pure function of (seed, index), so a slice of a stream of
// millions can be made on its own, two runs see the same data, and the
// expected counts of an upsert can be worked out independently of the engine.
// Pure functions; safe from any thread.
#pragma once

#include <leadterra/lead.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace bench {

// The campaign's step 1 in every scenario: a realistic cold email using
// standard fields, a fallback and two custom fields (text format).
inline constexpr const char* kStepSubject = "Quick question about {{company}}";
inline constexpr const char* kStepBody =
    "Hi {{firstName|there}},\n\n"
    "I noticed that {{company}} is growing its {{customFields.industry}} team in {{customFields.city}}. "
    "As {{jobTitle}}, you are probably the person who decides how new accounts get onboarded.\n\n"
    "We help teams like yours cut onboarding time by 40% without changing their stack: most customers "
    "are live within two weeks.\n\n"
    "Would a 15-minute call next week make sense? If not, just reply \"no\" and I will not follow up.\n\n"
    "Best regards,\nSam Carter\nNorthwind Outreach";

// One synthetic row: the lead that index `i` of the stream describes.
struct Person {
  std::string email;  // as written in the row; normalized it is unique per index

  std::string domain;
  std::string firstName;
  std::string lastName;
  std::string company;
  std::string jobTitle;
  // Custom fields (all strings, as a CSV import produces them).
  std::string city;
  std::string industry;
  std::string employees;
  std::string linkedin;
  std::string source;
  std::string score;
};

[[nodiscard]] Person person(std::uint64_t seed, std::uint64_t index);

// The customFields JSON object of a person, compact (about 150 bytes).
[[nodiscard]] std::string customFieldsJson(const Person& p);

// Rows [first, first + count) of the stream. About `duplicateShare` of them
// repeat the email of an earlier row of the same call, written with other case
// and surrounding spaces and with another job title: the engine must count
// them as updates of the lead the earlier row created.
[[nodiscard]] std::vector<Person> makePeople(std::uint64_t seed, std::uint64_t first, std::size_t count,
                                             double duplicateShare = 0.02);
[[nodiscard]] leadterra::LeadInput toInput(const Person& p);
[[nodiscard]] std::vector<leadterra::LeadInput> makeLeads(std::uint64_t seed, std::uint64_t first, std::size_t count,
                                                          double duplicateShare = 0.02);

// The suppression list used with the rows [first, first + count): about 1% of
// their emails, plus every 250th company domain (about 0.4% of the rows).
struct SuppressionList {
  std::vector<std::string> emails;
  std::vector<std::string> domains;
  [[nodiscard]] std::vector<std::string> entries() const;  // emails then domains
};
[[nodiscard]] SuppressionList makeSuppressions(std::uint64_t seed, std::uint64_t first, std::size_t count);

// What a correct upsert of `rows`, applied in order to a campaign already
// holding `existing` (normalized emails), must report. Worked out here with
// plain sets, independently of the engine, so that a wrong engine count fails
// the benchmark run.
struct Expected {
  std::int64_t enrolled = 0;
  std::int64_t updated = 0;
  std::int64_t skipped = 0;
};
[[nodiscard]] Expected expectedCounts(const std::vector<leadterra::LeadInput>& rows,
                                      std::unordered_set<std::string>& existing,
                                      const SuppressionList* suppressions = nullptr);

// Trim spaces and lowercase ASCII: the normalization a hand-written importer
// applies (the synthetic emails need nothing more).
[[nodiscard]] std::string simpleNormalize(const std::string& email);

// The seed API's bulk body {"leads": [...]} for the rows, as JSON text.
[[nodiscard]] std::string bulkBody(const std::vector<leadterra::LeadInput>& rows);

// Writes rows [0, count) of the stream as a lead file, made in chunks of
// 10,000 rows (a duplicate repeats a row of its chunk). CSV: a header row,
// the five standard columns (snake_case aliases), then one column per custom
// field. JSON Lines: one object per row, the standard fields and a
// customFields object. Both hold the same leads. Returns the number of data
// rows written and, through `expected`, the counts an import must report into
// an empty campaign.
enum class LeadFileKind { csv, jsonl };
std::size_t writeLeadFile(const std::string& path, std::uint64_t seed, std::size_t count, LeadFileKind kind,
                          Expected& expected);

// The rows of such a file as the engine reads them, for the baselines.
[[nodiscard]] std::vector<leadterra::LeadInput> fileLeads(std::uint64_t seed, std::size_t count);

}  // namespace bench

#include "scenarios.hpp"

#include <fmt/format.h>
#include <leadterra/leadterra.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>
#include <unordered_set>

#include "child.hpp"
#include "leads.hpp"
#include "raw_baseline.hpp"

namespace bench {

using leadterra::BulkResult;
using leadterra::CampaignEngine;
using leadterra::LeadInput;

std::string Config::toJson() const {
  nlohmann::json j = {{"reps", reps},
                      {"growthReps", growthReps},
                      {"leads", leads},
                      {"batchCalls", batchCalls},
                      {"batchSize", batchSize},
                      {"growthTotal", growthTotal},
                      {"growthSlice", growthSlice},
                      {"growthBaseline", growthBaseline},
                      {"cliRows", cliRows},
                      {"renders", renders},
                      {"listLeads", listLeads},
                      {"exportLeads", exportLeads},
                      {"batchSizes", batchSizes},
                      {"seed", seed},
                      {"cacheSizeKiB", cacheSizeKiB},
                      {"side", side == Side::both ? "both" : side == Side::engine ? "engine" : "raw"}};
  return j.dump();
}

namespace {

constexpr const char* kWorkspace = "ws_bench";
constexpr const char* kCampaign = "camp_bench";

// A fresh folder for one repetition's files, removed afterwards.
class Scratch {
 public:
  explicit Scratch(const std::filesystem::path& root) {
    static std::atomic<int> counter{0};
    path_ = root / fmt::format("run-{}", ++counter);
    std::filesystem::create_directories(path_);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

leadterra::Step stepOne() {
  leadterra::Step step;
  step.subject = kStepSubject;
  step.body = kStepBody;
  step.format = leadterra::StepFormat::text;
  return step;
}

// A file with the benchmark's workspace and campaign (one step), its
// suppression list, and the campaign started when `running`. Not timed.
std::unique_ptr<CampaignEngine> openCampaign(const std::string& path, bool running,
                                             const SuppressionList* suppressions) {
  auto engine = CampaignEngine::open(path);
  engine->createWorkspace({kWorkspace, "Benchmark", {}});
  leadterra::CampaignSpec spec;
  spec.workspaceId = kWorkspace;
  spec.id = kCampaign;
  spec.name = "Benchmark";
  spec.steps = {stepOne()};
  engine->createCampaign(spec);
  if (suppressions) {
    const std::vector<std::string> entries = suppressions->entries();
    (void)engine->addSuppressions(kWorkspace, entries);
  }
  if (running) (void)engine->startCampaign(kCampaign);
  return engine;
}

void checkResult(const BulkResult& r, const Expected& e, std::int64_t queued, const std::string& what) {
  if (r.failed != 0) {
    const auto& first = r.errors.front();
    throw BenchFailure(fmt::format("{}: {} rows failed; the first, row {} ({}): {}", what, r.failed, first.index,
                                   first.email, first.message));
  }
  expect(r.enrolled == e.enrolled && r.updated == e.updated && r.skipped == e.skipped,
         fmt::format("{}: engine reported enrolled/updated/skipped {}/{}/{}, expected {}/{}/{}", what, r.enrolled,
                     r.updated, r.skipped, e.enrolled, e.updated, e.skipped));
  expect(r.queued == queued, fmt::format("{}: engine queued {}, expected {}", what, r.queued, queued));
}

// Runs both sides of one repetition (or the one --side asks for, to profile
// it alone), alternating which goes first so that neither always meets a
// warmer page cache.
template <typename EngineSide, typename RawSide>
void bothSides(const Config& c, int rep, EngineSide&& engineSide, RawSide&& rawSide) {
  const bool engine = c.side != Side::raw;
  const bool raw = c.side != Side::engine;
  if (rep % 2 == 0) {
    if (raw) rawSide();
    if (engine) engineSide();
  } else {
    if (engine) engineSide();
    if (raw) rawSide();
  }
}

Figure figure(std::string id, std::string label, std::string unit) {
  Figure f;
  f.id = std::move(id);
  f.label = std::move(label);
  f.unit = std::move(unit);
  return f;
}

double rate(std::size_t n, double seconds) { return static_cast<double>(n) / seconds; }

std::string rows(std::size_t n) { return withCommas(static_cast<double>(n)); }

void progress(const std::string& text) { std::cerr << "  " << text << std::endl; }

}  // namespace

// ---- 1 and 2: draft campaign, one call of new leads, then the same again ----

void runDraft(const Config& c, Report& report) {
  progress("draft: generating leads");
  const std::vector<LeadInput> leads = makeLeads(c.seed, 0, c.leads);
  std::unordered_set<std::string> seen;
  const Expected first = expectedCounts(leads, seen);
  const Expected again = expectedCounts(leads, seen);
  const auto n = leads.size();

  Figure fresh = figure("draft.new", fmt::format("Draft: bulkUpsert {} new leads", rows(n)), "leads/s");
  Figure repeat = figure("draft.again", fmt::format("Draft: the same {} again (updates)", rows(n)), "leads/s");
  fresh.target = repeat.target = {Target::Kind::ratioAtLeast, 1.0};
  fresh.note = fmt::format("one call, one transaction; {} in-call repeats count as updates. Baseline: prepared "
                           "INSERT ... ON CONFLICT DO UPDATE (json_patch for customFields), one transaction",
                           first.updated);
  for (int rep = 0; rep < c.reps; ++rep) {
    progress(fmt::format("draft: repetition {}/{}", rep + 1, c.reps));
    bothSides(
        c, rep,
        [&] {
          Scratch dir(c.scratch);
          auto engine = openCampaign(dir.file("engine.db"), false, nullptr);
          BulkResult r;
          const Timing t1 = measure([&] { r = engine->bulkUpsert(kCampaign, leads); });
          checkResult(r, first, 0, "draft, new leads");
          expect(r.totalInCampaign == first.enrolled, "draft: totalInCampaign");
          const Timing t2 = measure([&] { r = engine->bulkUpsert(kCampaign, leads); });
          checkResult(r, again, 0, "draft, same leads again");
          fresh.addRate(n, t1);
          repeat.addRate(n, t2);
        },
        [&] {
          Scratch dir(c.scratch);
          RawStore raw(dir.file("raw.db"), c.cacheSizeKiB);
          const Timing t1 = measure([&] { (void)raw.upsert(kCampaign, leads); });
          expect(raw.count("leads") == first.enrolled, "raw baseline: lead count after the first call");
          const Timing t2 = measure([&] { (void)raw.upsert(kCampaign, leads); });
          expect(raw.count("leads") == first.enrolled, "raw baseline: lead count after the second call");
          fresh.addBaselineRate(n, t1);
          repeat.addBaselineRate(n, t2);
        });
  }
  report.add(std::move(fresh));
  report.add(std::move(repeat));
}

// ---- 3: running campaign: suppression checks, rendering, queueing ----

void runRunning(const Config& c, Report& report) {
  progress("running: generating leads");
  const std::vector<LeadInput> leads = makeLeads(c.seed, 0, c.leads);
  const SuppressionList suppressions = makeSuppressions(c.seed, 0, c.leads);
  std::unordered_set<std::string> seen;
  const Expected first = expectedCounts(leads, seen, &suppressions);
  const Expected again = expectedCounts(leads, seen, &suppressions);
  const auto n = leads.size();

  Figure fresh = figure("running.new", fmt::format("Running: {} new leads, step 1 queued", rows(n)), "leads/s");
  Figure repeat = figure("running.again", fmt::format("Running: the same {} again", rows(n)), "leads/s");
  fresh.target = repeat.target = {Target::Kind::ratioAtLeast, 1.2};
  fresh.note = fmt::format(
      "{} suppression entries ({} emails, {} domains) skip {} rows. Baseline per row: suppression lookup "
      "(email, domain), upsert RETURNING seq, step rendered by string concatenation (customFields parsed "
      "with nlohmann::json), message INSERT ... ON CONFLICT DO UPDATE",
      suppressions.emails.size() + suppressions.domains.size(), suppressions.emails.size(),
      suppressions.domains.size(), first.skipped);
  for (int rep = 0; rep < c.reps; ++rep) {
    progress(fmt::format("running: repetition {}/{}", rep + 1, c.reps));
    bothSides(
        c, rep,
        [&] {
          Scratch dir(c.scratch);
          auto engine = openCampaign(dir.file("engine.db"), true, &suppressions);
          BulkResult r;
          const Timing t1 = measure([&] { r = engine->bulkUpsert(kCampaign, leads); });
          checkResult(r, first, first.enrolled, "running, new leads");
          const Timing t2 = measure([&] { r = engine->bulkUpsert(kCampaign, leads); });
          checkResult(r, again, 0, "running, same leads again");
          const auto queued = engine->getCampaign(kCampaign)->queuedMessages;
          expect(queued == first.enrolled, fmt::format("running: {} messages queued, expected {}", queued,
                                                       first.enrolled));
          fresh.addRate(n, t1);
          repeat.addRate(n, t2);
        },
        [&] {
          Scratch dir(c.scratch);
          RawStore raw(dir.file("raw.db"), c.cacheSizeKiB);
          raw.addSuppressions(kWorkspace, suppressions.entries());
          RawStore::PipelineCounts counts;
          const Timing t1 = measure([&] { counts = raw.pipeline(kWorkspace, kCampaign, leads); });
          expect(counts.skipped == first.skipped && raw.count("leads") == first.enrolled &&
                     raw.count("messages") == first.enrolled,
                 "raw baseline: counts after the first pipeline call");
          const Timing t2 = measure([&] { counts = raw.pipeline(kWorkspace, kCampaign, leads); });
          expect(raw.count("messages") == first.enrolled, "raw baseline: messages after the second call");
          fresh.addBaselineRate(n, t1);
          repeat.addBaselineRate(n, t2);
        });
  }
  report.add(std::move(fresh));
  report.add(std::move(repeat));
}

// ---- events: what the event log costs a bulk upsert ----

void runEventLog(const Config& c, Report& report) {
  progress("events: generating leads");
  const std::vector<LeadInput> leads = makeLeads(c.seed, 0, c.leads);
  const SuppressionList suppressions = makeSuppressions(c.seed, 0, c.leads);
  std::unordered_set<std::string> seen;
  const Expected first = expectedCounts(leads, seen, &suppressions);
  const Expected again = expectedCounts(leads, seen, &suppressions);
  const auto n = leads.size();

  Figure fresh = figure("events.running_new",
                        fmt::format("Event log: running, {} new leads, step 1 queued", rows(n)), "leads/s");
  Figure repeat = figure("events.running_again", fmt::format("Event log: running, the same {} again", rows(n)),
                         "leads/s");
  fresh.target = repeat.target = {Target::Kind::ratioAtLeast, 0.9};
  fresh.note = "the engine with its event log (a message_queued event per message) against the same engine opened "
               "with Options::eventLog = false: the ratio is the log's cost (target: at most 10% slower)";
  for (int rep = 0; rep < c.reps; ++rep) {
    progress(fmt::format("events: repetition {}/{}", rep + 1, c.reps));
    const auto side = [&](bool withLog) {
      Scratch dir(c.scratch);
      const std::string path = dir.file("engine.db");
      auto engine = openCampaign(path, true, &suppressions);
      if (!withLog) {
        engine.reset();
        leadterra::Options off;
        off.eventLog = false;
        engine = CampaignEngine::open(path, off);
      }
      BulkResult r;
      const Timing t1 = measure([&] { r = engine->bulkUpsert(kCampaign, leads); });
      checkResult(r, first, first.enrolled, "events, new leads");
      const Timing t2 = measure([&] { r = engine->bulkUpsert(kCampaign, leads); });
      checkResult(r, again, 0, "events, same leads again");
      const std::int64_t logged = engine->events(kWorkspace, {0, 1000, {leadterra::EventKind::message_queued}, {}})
                                      .events.size();
      expect(withLog == (logged > 0), "events: message_queued events only with the log");
      if (withLog) {
        fresh.addRate(n, t1);
        repeat.addRate(n, t2);
      } else {
        fresh.addBaselineRate(n, t1);
        repeat.addBaselineRate(n, t2);
      }
    };
    bothSides(c, rep, [&] { side(true); }, [&] { side(false); });
  }
  report.add(std::move(fresh));
  report.add(std::move(repeat));
}

// ---- 4: many small calls ----

void runBatches(const Config& c, Report& report) {
  const std::size_t n = c.batchCalls * c.batchSize;
  progress("batches: generating leads");
  const std::vector<LeadInput> leads = makeLeads(c.seed, 0, n);
  std::unordered_set<std::string> seen;
  const Expected expected = expectedCounts(leads, seen);
  const std::span<const LeadInput> all(leads);

  Figure f = figure("batches", fmt::format("Batches: {} calls of {} leads", c.batchCalls, rows(c.batchSize)), "leads/s");
  f.target = {Target::Kind::ratioAtLeast, 0.9};
  f.note = "draft campaign, new leads; baseline: one transaction per batch";
  for (int rep = 0; rep < c.reps; ++rep) {
    progress(fmt::format("batches: repetition {}/{}", rep + 1, c.reps));
    bothSides(
        c, rep,
        [&] {
          Scratch dir(c.scratch);
          auto engine = openCampaign(dir.file("engine.db"), false, nullptr);
          Expected got;
          const Timing t = measure([&] {
            for (std::size_t i = 0; i < c.batchCalls; ++i) {
              const BulkResult r = engine->bulkUpsert(kCampaign, all.subspan(i * c.batchSize, c.batchSize));
              expect(r.failed == 0, "batches: a row failed");
              got.enrolled += r.enrolled;
              got.updated += r.updated;
              got.skipped += r.skipped;
            }
          });
          expect(got.enrolled == expected.enrolled && got.updated == expected.updated,
                 fmt::format("batches: engine enrolled/updated {}/{}, expected {}/{}", got.enrolled, got.updated,
                             expected.enrolled, expected.updated));
          f.addRate(n, t);
        },
        [&] {
          Scratch dir(c.scratch);
          RawStore raw(dir.file("raw.db"), c.cacheSizeKiB);
          const Timing t = measure([&] {
            for (std::size_t i = 0; i < c.batchCalls; ++i) {
              (void)raw.upsert(kCampaign, all.subspan(i * c.batchSize, c.batchSize));
            }
          });
          expect(raw.count("leads") == expected.enrolled, "raw baseline: lead count after the batches");
          f.addBaselineRate(n, t);
        });
  }
  report.add(std::move(f));
}

// ---- 5: growth of one campaign ----

void runGrowth(const Config& c, Report& report) {
  const std::size_t slices = c.growthTotal / c.growthSlice;
  expect(slices >= 2, "growth: the total must hold at least two slices");
  const auto sliceRows = static_cast<double>(c.growthSlice);
  // times[rep][slice]
  std::vector<std::vector<Timing>> engineTimes;
  std::vector<std::vector<Timing>> rawTimes;

  // Emails carry their stream index, so slices never share one: each slice's
  // expected counts only need the slice itself.
  auto sliceLeads = [&](std::size_t s, Expected& expected) {
    std::vector<LeadInput> leads = makeLeads(c.seed, s * c.growthSlice, c.growthSlice);
    std::unordered_set<std::string> seen;
    expected = expectedCounts(leads, seen);
    return leads;
  };

  for (int rep = 0; rep < c.growthReps; ++rep) {
    auto engineSide = [&] {
      Scratch dir(c.scratch);
      auto engine = openCampaign(dir.file("engine.db"), false, nullptr);
      std::vector<Timing> times;
      std::int64_t total = 0;
      for (std::size_t s = 0; s < slices; ++s) {
        Expected expected;
        const std::vector<LeadInput> leads = sliceLeads(s, expected);
        BulkResult r;
        times.push_back(measure([&] { r = engine->bulkUpsert(kCampaign, leads); }));
        checkResult(r, expected, 0, fmt::format("growth slice {}", s + 1));
        total += expected.enrolled;
        expect(r.totalInCampaign == total, "growth: totalInCampaign");
        if ((s + 1) % 10 == 0 || s + 1 == slices) {
          progress(fmt::format("growth {}/{}: engine at {} leads: {} leads/s", rep + 1, c.growthReps,
                               withCommas(static_cast<double>(total)), withCommas(sliceRows / times.back().wall)));
        }
      }
      engineTimes.push_back(std::move(times));
    };
    auto rawSide = [&] {
      if (!c.growthBaseline) return;
      Scratch dir(c.scratch);
      RawStore raw(dir.file("raw.db"), c.cacheSizeKiB);
      std::vector<Timing> times;
      std::int64_t total = 0;
      for (std::size_t s = 0; s < slices; ++s) {
        Expected expected;
        const std::vector<LeadInput> leads = sliceLeads(s, expected);
        times.push_back(measure([&] { (void)raw.upsert(kCampaign, leads); }));
        total += expected.enrolled;
        if ((s + 1) % 10 == 0 || s + 1 == slices) {
          progress(fmt::format("growth {}/{}: raw slice {}: {} leads/s", rep + 1, c.growthReps, s + 1,
                               withCommas(sliceRows / times.back().wall)));
        }
      }
      expect(raw.count("leads") == total, "raw baseline: lead count after the growth");
      rawTimes.push_back(std::move(times));
    };
    bothSides(c, rep, engineSide, rawSide);
  }

  const std::string last = rows(slices * c.growthSlice);
  Figure firstSlice =
      figure("growth.first", fmt::format("Growth: first {} slice (empty table)", rows(c.growthSlice)), "leads/s");
  Figure lastSlice = figure("growth.last", fmt::format("Growth: slice ending at {} leads", last), "leads/s");
  Figure retention = figure("growth.retention", fmt::format("Growth: rate at {} / empty-table rate", last), "x");
  retention.target = {Target::Kind::valueAtLeast, 0.6};
  retention.note = fmt::format("one draft campaign grown by calls of {} new leads; per repetition, the last "
                               "slice's rate divided by the first's",
                               rows(c.growthSlice));
  for (const auto& t : engineTimes) {
    firstSlice.addRate(c.growthSlice, t.front());
    lastSlice.addRate(c.growthSlice, t.back());
    retention.samples.push_back(t.front().wall / t.back().wall);
  }
  for (const auto& t : rawTimes) {
    firstSlice.addBaselineRate(c.growthSlice, t.front());
    lastSlice.addBaselineRate(c.growthSlice, t.back());
    retention.baseline.push_back(t.front().wall / t.back().wall);
  }

  // The whole curve (per slice, the median rate of the repetitions) for the JSON output.
  auto curve = [&](const std::vector<std::vector<Timing>>& all) {
    nlohmann::json out = nlohmann::json::array();
    if (all.empty()) return out;
    for (std::size_t s = 0; s < slices; ++s) {
      std::vector<double> values;
      for (const auto& t : all) values.push_back(sliceRows / t[s].wall);
      out.push_back(median(values));
    }
    return out;
  };
  const nlohmann::json detail = {
      {"sliceLeads", c.growthSlice}, {"engine", curve(engineTimes)}, {"raw", curve(rawTimes)}};
  report.addDetail("growthCurve", detail.dump());
  report.add(std::move(firstSlice));
  report.add(std::move(lastSlice));
  report.add(std::move(retention));
}

// ---- 6: the CLI importing a CSV file ----

namespace {

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

namespace {

// An import by the CLI, started as a child process (through the spawner, see
// child.hpp), into a fresh file holding the draft campaign: its wall and CPU
// time and peak RSS, the counts it printed checked against `expected`.
// `batchSize` 0: the CLI's default.
ChildRun cliImport(const Config& c, const std::string& file, const Expected& expected, std::size_t batchSize) {
  Scratch dir(c.scratch);
  const std::string db = dir.file("cli.db");
  (void)openCampaign(db, false, nullptr);  // created, then closed before the import
  std::vector<std::string> args = {c.cliPath, "--db", db, "leads", "import", "--campaign", kCampaign};
  if (batchSize > 0) args.insert(args.end(), {"--batch-size", std::to_string(batchSize)});
  args.push_back(file);
  const ChildRun run = measureChild(args, dir.file("out.json"), dir.file("err.txt"));
  expect(run.exitStatus == 0,
         fmt::format("CLI import of {} exited {}: {}", file, run.exitStatus, readText(dir.file("err.txt"))));
  const auto out = nlohmann::json::parse(readText(dir.file("out.json")), nullptr, false);
  expect(out.is_object() && out.contains("result"), "CLI import printed no result");
  const auto& r = out["result"];
  expect(r.value("enrolled", -1) == expected.enrolled && r.value("updated", -1) == expected.updated &&
             r.value("failed", -1) == 0,
         fmt::format("CLI import of {} reported {}; expected enrolled {}, updated {}", file, r.dump(),
                     expected.enrolled, expected.updated));
  return run;
}

double megabytes(long kib) { return static_cast<double>(kib) * 1024.0 / 1e6; }

// The CLI's figures cannot be measured without the CLI: reported as such.
bool cliMissing(const Config& c, std::initializer_list<Figure*> figures, Report& report) {
  if (!c.cliPath.empty() && std::filesystem::exists(c.cliPath)) return false;
  for (Figure* f : figures) {
    f->measured = false;
    f->note = "the leadterra CLI was not built (or --cli names no file)";
    report.add(std::move(*f));
  }
  return true;
}

std::string spawnerNote(long spawnerKiB) {
  return fmt::format("ru_maxrss of the CLI process, started through a fresh spawner process whose own "
                     "{:.1f} MB is a floor under the figure",
                     megabytes(spawnerKiB));
}

}  // namespace

void runCliImport(const Config& c, Report& report) {
  Figure speed = figure("cli.rate", fmt::format("CLI: leads import of {} CSV rows", rows(c.cliRows)), "leads/s");
  Figure rss = figure("cli.rss", "CLI: peak RSS of that import", "MB");
  rss.target = {Target::Kind::valueAtMost, 100};
  if (cliMissing(c, {&speed, &rss}, report)) return;
  speed.note = fmt::format("wall time of the child process, default batch size ({} rows per transaction); "
                           "baseline: the raw upsert of the same rows from memory, as many per transaction "
                           "(no file reading)",
                           rows(leadterra::ImportOptions{}.batchSize));

  Scratch csvDir(c.scratch);
  const std::string csv = csvDir.file("leads.csv");
  progress(fmt::format("cli: writing {} CSV rows", rows(c.cliRows)));
  Expected expected;
  (void)writeLeadFile(csv, c.seed, c.cliRows, LeadFileKind::csv, expected);

  long spawnerRss = 0;
  for (int rep = 0; rep < c.reps; ++rep) {
    progress(fmt::format("cli: repetition {}/{}", rep + 1, c.reps));
    bothSides(
        c, rep,
        [&] {
          const ChildRun run = cliImport(c, csv, expected, 0);
          speed.addRate(c.cliRows, {run.seconds, run.cpuSeconds});
          rss.samples.push_back(megabytes(run.maxRssKiB));
          spawnerRss = std::max(spawnerRss, run.spawnerRssKiB);
        },
        [&] {
          Scratch dir(c.scratch);
          RawStore raw(dir.file("raw.db"), c.cacheSizeKiB);
          Timing spent;
          const std::size_t batch = leadterra::ImportOptions{}.batchSize;
          constexpr std::size_t kChunk = 10'000;  // generated as the file's rows are
          for (std::size_t done = 0; done < c.cliRows; done += kChunk) {
            const std::vector<LeadInput> leads = makeLeads(c.seed, done, std::min(kChunk, c.cliRows - done));
            const std::span<const LeadInput> all(leads);
            for (std::size_t i = 0; i < all.size(); i += batch) {
              const auto part = all.subspan(i, std::min(batch, all.size() - i));
              spent += measure([&] { (void)raw.upsert(kCampaign, part); });
            }
          }
          expect(raw.count("leads") == expected.enrolled, "raw baseline: lead count after the CSV rows");
          speed.addBaselineRate(c.cliRows, spent);
        });
  }
  rss.note = spawnerNote(spawnerRss);
  report.add(std::move(speed));
  report.add(std::move(rss));
}

// ---- import: the CLI's whole-process import against the raw upsert ----

void runImport(const Config& c, Report& report) {
  const std::size_t n = c.leads;
  const std::size_t defaultBatch = leadterra::ImportOptions{}.batchSize;
  Figure jsonl = figure("import.jsonl", fmt::format("Import: CLI, {} JSONL rows, one batch", rows(n)), "leads/s");
  Figure csv = figure("import.csv", fmt::format("Import: CLI, {} CSV rows, one batch", rows(n)), "leads/s");
  Figure jsonlDefault = figure(
      "import.jsonl.default", fmt::format("Import: the same JSONL, {}-row batches", rows(defaultBatch)), "leads/s");
  Figure csvDefault = figure("import.csv.default",
                             fmt::format("Import: the same CSV, {}-row batches", rows(defaultBatch)), "leads/s");
  Figure jsonlRss = figure("import.jsonl.rss", "Import: peak RSS of the one-batch JSONL import", "MB");
  Figure csvRss = figure("import.csv.rss", "Import: peak RSS of the one-batch CSV import", "MB");
  Figure bigRss = figure("import.rss", fmt::format("Import: peak RSS of {} JSONL rows", rows(c.cliRows)),
                         "MB");
  jsonl.target = jsonlDefault.target = {Target::Kind::ratioAtLeast, 0.9};
  csv.target = csvDefault.target = {Target::Kind::ratioAtLeast, 1.0};
  bigRss.target = {Target::Kind::valueAtMost, 64};
  if (cliMissing(c, {&jsonl, &csv, &jsonlDefault, &csvDefault, &jsonlRss, &csvRss, &bigRss}, report)) return;
  jsonl.note = fmt::format(
      "leads import --campaign C --batch-size {} FILE into a draft campaign: wall (CPU) time of the whole "
      "child process, from exec to exit. Baseline: the raw upsert of the same leads, parsed beforehand, in "
      "one transaction, in this process",
      n);
  jsonlDefault.note = "the same import without --batch-size: the CLI's default batch size, the next batch read "
                      "while one is written; the same baseline";
  bigRss.note = "a JSONL file of the cli scenario's size (--cli-rows), imported without --batch-size";

  Scratch files(c.scratch);
  const std::string jsonlFile = files.file("leads.jsonl");
  const std::string csvFile = files.file("leads.csv");
  const std::string bigFile = files.file("big.jsonl");
  progress(fmt::format("import: writing {} rows as JSONL and CSV, {} as JSONL", rows(n), rows(c.cliRows)));
  Expected expected;
  Expected bigExpected;
  (void)writeLeadFile(jsonlFile, c.seed, n, LeadFileKind::jsonl, expected);
  (void)writeLeadFile(csvFile, c.seed, n, LeadFileKind::csv, expected);
  (void)writeLeadFile(bigFile, c.seed, c.cliRows, LeadFileKind::jsonl, bigExpected);
  const std::vector<LeadInput> leads = fileLeads(c.seed, n);

  long spawnerRss = 0;
  const auto cliSide = [&](const std::string& file, std::size_t batchSize, Figure& rate, Figure* rss) {
    const ChildRun run = cliImport(c, file, expected, batchSize);
    rate.addRate(n, {run.seconds, run.cpuSeconds});
    if (rss) rss->samples.push_back(megabytes(run.maxRssKiB));
    spawnerRss = std::max(spawnerRss, run.spawnerRssKiB);
  };
  for (int rep = 0; rep < c.reps; ++rep) {
    progress(fmt::format("import: repetition {}/{}", rep + 1, c.reps));
    bothSides(
        c, rep,
        [&] {
          cliSide(jsonlFile, n, jsonl, &jsonlRss);
          cliSide(csvFile, n, csv, &csvRss);
          cliSide(jsonlFile, 0, jsonlDefault, nullptr);
          cliSide(csvFile, 0, csvDefault, nullptr);
          const ChildRun big = cliImport(c, bigFile, bigExpected, 0);
          bigRss.samples.push_back(megabytes(big.maxRssKiB));
        },
        [&] {
          Scratch dir(c.scratch);
          RawStore raw(dir.file("raw.db"), c.cacheSizeKiB);
          const Timing t = measure([&] { (void)raw.upsert(kCampaign, leads); });
          expect(raw.count("leads") == expected.enrolled, "raw baseline: lead count after the file's leads");
          for (Figure* f : {&jsonl, &csv, &jsonlDefault, &csvDefault}) f->addBaselineRate(n, t);
        });
  }
  jsonlRss.note = csvRss.note = spawnerNote(spawnerRss);
  bigRss.note += "; " + spawnerNote(spawnerRss);
  for (Figure* f : {&jsonl, &csv, &jsonlDefault, &csvDefault, &jsonlRss, &csvRss, &bigRss}) report.add(std::move(*f));
}

// ---- batchsize: what the import's batch size trades ----

void runBatchSizes(const Config& c, Report& report) {
  const std::size_t n = c.cliRows;
  std::vector<Figure> figures;
  Scratch files(c.scratch);
  const std::string csvFile = files.file("leads.csv");
  const std::string jsonlFile = files.file("leads.jsonl");
  Expected expected;
  bool cli = !c.cliPath.empty() && std::filesystem::exists(c.cliPath);
  if (cli) {
    progress(fmt::format("batchsize: writing {} rows as CSV and JSONL", rows(n)));
    (void)writeLeadFile(csvFile, c.seed, n, LeadFileKind::csv, expected);
    (void)writeLeadFile(jsonlFile, c.seed, n, LeadFileKind::jsonl, expected);
  }
  for (const std::size_t size : c.batchSizes) {
    const std::string of = fmt::format("{}-row batches", rows(size));
    Figure csv = figure(fmt::format("batchsize.{}.csv", size), fmt::format("{}: CSV import", of), "leads/s");
    Figure jsonl = figure(fmt::format("batchsize.{}.jsonl", size), fmt::format("{}: JSONL import", of), "leads/s");
    Figure rss = figure(fmt::format("batchsize.{}.rss", size), fmt::format("{}: peak RSS (JSONL)", of), "MB");
    Figure lock = figure(fmt::format("batchsize.{}.lock", size), fmt::format("{}: write lock per batch", of), "ms");
    Figure lockMax = figure(fmt::format("batchsize.{}.lockmax", size), fmt::format("{}: longest lock", of), "ms");
    csv.note = fmt::format("the CLI importing {} rows into a draft campaign, --batch-size {}; wall time of the "
                           "whole process (CPU ratio: per CPU second of the process)", rows(n), size);
    lock.note = "median time of one bulkUpsert of that many pre-parsed leads (one transaction: what another "
                "writer waits for), in this process, into a campaign growing to the file's size";
    std::vector<double> perBatch;
    double longest = 0;
    for (int rep = 0; rep < c.reps; ++rep) {
      progress(fmt::format("batchsize {}: repetition {}/{}", size, rep + 1, c.reps));
      if (cli) {
        const ChildRun a = cliImport(c, csvFile, expected, size);
        csv.addRate(n, {a.seconds, a.cpuSeconds});
        const ChildRun b = cliImport(c, jsonlFile, expected, size);
        jsonl.addRate(n, {b.seconds, b.cpuSeconds});
        rss.samples.push_back(megabytes(b.maxRssKiB));
      }
      // The write lock: the same rows, generated as the files' are, upserted a batch at a time.
      Scratch dir(c.scratch);
      auto engine = openCampaign(dir.file("engine.db"), false, nullptr);
      std::vector<LeadInput> pending;
      std::int64_t enrolled = 0;
      constexpr std::size_t kChunk = 10'000;
      const auto upsert = [&](std::size_t count) {
        const std::span<const LeadInput> batch(pending.data(), count);
        BulkResult r;
        const double t = timeSeconds([&] { r = engine->bulkUpsert(kCampaign, batch); });
        enrolled += r.enrolled;
        perBatch.push_back(t * 1000.0);
        longest = std::max(longest, t * 1000.0);
        pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(count));
      };
      for (std::size_t done = 0; done < n; done += kChunk) {
        std::vector<LeadInput> chunk = makeLeads(c.seed, done, std::min(kChunk, n - done));
        std::move(chunk.begin(), chunk.end(), std::back_inserter(pending));
        while (pending.size() >= size) upsert(size);
      }
      if (!pending.empty()) upsert(pending.size());
      expect(!cli || enrolled == expected.enrolled, "batchsize: leads enrolled batch by batch");
    }
    lock.samples = {median(perBatch)};
    lockMax.samples = {longest};
    if (!cli) {
      csv.measured = jsonl.measured = rss.measured = false;
      csv.note = "the leadterra CLI was not built (or --cli names no file)";
    }
    for (Figure* f : {&csv, &jsonl, &rss, &lock, &lockMax}) figures.push_back(std::move(*f));
  }
  for (Figure& f : figures) report.add(std::move(f));
}

// ---- 7: templates ----

namespace {

// What the hand-written code renders from: the row's fields, its customFields parsed.
struct RawLead {
  std::string firstName;
  std::string company;
  std::string jobTitle;
  nlohmann::json custom;
};

RawLead rawLeadOf(const LeadInput& in) {
  return {in.firstName.value(), in.company.value(), in.jobTitle.value(),
          nlohmann::json::parse(in.customFields.value_or("{}"))};
}

const std::string& customText(const nlohmann::json& custom, const char* key) {
  static const std::string empty;
  const auto it = custom.find(key);
  return it != custom.end() && it->is_string() ? it->get_ref<const std::string&>() : empty;
}

RawRendered rawRenderOf(const RawLead& r) {
  return rawRender(r.firstName, r.company, r.jobTitle, customText(r.custom, "city"), customText(r.custom, "industry"));
}

// The lead the engine stores for a generated row (generated fields are all
// present and customFields flat, so this is exactly what a bulk upsert keeps).
leadterra::Lead storedLeadOf(const LeadInput& in) {
  leadterra::Lead lead;
  lead.email = simpleNormalize(in.email.value());
  lead.firstName = in.firstName.value();
  lead.lastName = in.lastName.value();
  lead.company = in.company.value();
  lead.jobTitle = in.jobTitle.value();
  lead.customFields = in.customFields.value_or("{}");
  return lead;
}

// Every domain of the rows, once.
std::vector<std::string> domainsOf(const std::vector<LeadInput>& leads) {
  std::set<std::string> domains;
  for (const LeadInput& in : leads) {
    const std::string email = simpleNormalize(in.email.value());
    domains.insert(email.substr(email.find('@') + 1));
  }
  return {domains.begin(), domains.end()};
}

}  // namespace

void runTemplates(const Config& c, Report& report) {
  const std::vector<LeadInput> leads = makeLeads(c.seed, 0, c.renders, 0.0);
  // The engine renders a stored lead, the hand-written code the parsed row:
  // each side's natural input, built before timing.
  std::vector<leadterra::Lead> stored;
  std::vector<RawLead> rawLeads;
  stored.reserve(leads.size());
  rawLeads.reserve(leads.size());
  for (const LeadInput& in : leads) {
    stored.push_back(storedLeadOf(in));
    rawLeads.push_back(rawLeadOf(in));
  }
  const leadterra::StepRenderer step(stepOne());

  // Both sides must produce the same text, or the comparison means nothing.
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const leadterra::RenderedStep a = step.render(stored[i]);
    const RawRendered b = rawRenderOf(rawLeads[i]);
    expect(a.subject == b.subject && a.body == b.body,
           "templates: the engine's rendering differs from the concatenation:\n" + a.body + "\n---\n" + b.body);
  }

  Figure f = figure("templates.render", "Templates: renders of step 1 (subject + body)", "renders/s");
  f.note = fmt::format("{}-byte body with 6 tags (one fallback, two customFields keys), rendered with "
                       "leadterra::StepRenderer (the step parsed once) for each stored lead, its customFields "
                       "read from text on each call; baseline: the same text by string concatenation from the "
                       "same parsed lead",
                       std::string_view(kStepBody).size());
  std::size_t sink = 0;
  for (int rep = 0; rep < c.reps; ++rep) {
    bothSides(
        c, rep,
        [&] {
          const Timing t = measure([&] {
            for (const auto& lead : stored) sink += step.render(lead).body.size();
          });
          f.addRate(stored.size(), t);
        },
        [&] {
          const Timing t = measure([&] {
            for (const auto& r : rawLeads) sink += rawRenderOf(r).body.size();
          });
          f.addBaselineRate(stored.size(), t);
        });
  }
  expect(sink > 0, "templates: nothing rendered");
  report.add(std::move(f));

  // The same step with a spin in the subject and a section in the body.
  leadterra::Step spun = stepOne();
  spun.subject = "{~Quick question|A question~} about {{company}}";
  spun.body += "\n{{#city}}See you in {{city}}.{{/city}}";
  const leadterra::StepRenderer spunStep(spun);
  // The baseline picks its option from its own hash of the email: the same
  // work, not the same choice, so the check accepts either option.
  const auto rawSpun = [](const leadterra::Lead& lead, const RawLead& r) {
    RawRendered out = rawRenderOf(r);
    out.subject = (std::hash<std::string>{}(lead.email) & 1U ? "A question about " : "Quick question about ") +
                  r.company;
    const std::string& city = customText(r.custom, "city");
    if (!city.empty()) {
      out.body += "\nSee you in ";
      out.body += city;
      out.body += '.';
    }
    return out;
  };
  std::set<std::string> openings;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const leadterra::RenderedStep a = spunStep.render(stored[i]);
    const RawRendered b = rawSpun(stored[i], rawLeads[i]);
    const std::string about = " about " + rawLeads[i].company;
    expect((a.subject == "Quick question" + about || a.subject == "A question" + about) && a.body == b.body,
           "templates: the spun step renders other text than the concatenation:\n" + a.subject + "\n" + a.body +
               "\n---\n" + b.body);
    openings.insert(a.subject.substr(0, a.subject.find(" about ")));
  }
  expect(openings.size() == 2 || stored.size() < 20, "templates: the spin always chose the same option");
  Figure g = figure("templates.render_spin_section",
                    "Templates: renders of step 1 with a spin and a section (subject + body)", "renders/s");
  g.note = "step 1 with its subject a spin of two options and a section over customFields.city added to its "
           "body, rendered with leadterra::StepRenderer (a spin key hashed from each lead's email); baseline: the "
           "same text by string concatenation, its option picked by std::hash of the email";
  for (int rep = 0; rep < c.reps; ++rep) {
    bothSides(
        c, rep,
        [&] {
          const Timing t = measure([&] {
            for (const auto& lead : stored) sink += spunStep.render(lead).body.size();
          });
          g.addRate(stored.size(), t);
        },
        [&] {
          const Timing t = measure([&] {
            for (std::size_t i = 0; i < stored.size(); ++i) sink += rawSpun(stored[i], rawLeads[i]).body.size();
          });
          g.addBaselineRate(stored.size(), t);
        });
  }
  report.add(std::move(g));
}

// ---- 7: where the time of a bulk request goes ----

void runShares(const Config& c, Report& report) {
  progress("shares: generating leads and the JSON body");
  const std::vector<LeadInput> leads = makeLeads(c.seed, 0, c.leads);
  const SuppressionList suppressions = makeSuppressions(c.seed, 0, c.leads);
  std::unordered_set<std::string> seen;
  const Expected expected = expectedCounts(leads, seen, &suppressions);
  const std::string body = bulkBody(leads);
  const std::vector<std::string> everyDomain = domainsOf(leads);
  const leadterra::StepRenderer step(stepOne());

  Figure parse = figure("shares.parse", "Share: JSON parse of the bulk body", "%");
  Figure checks = figure("shares.checks", "Share: validation and suppression checks", "%");
  Figure render = figure("shares.render", "Share: rendering step 1", "%");
  Figure rest = figure("shares.sqlite", "Share: SQLite and engine bookkeeping", "%");
  Figure whole = figure("shares.request", "Running: JSON body to queued messages", "leads/s");
  parse.note = fmt::format(
      "a {} MB bulk body of {} leads into a running campaign (suppressions as above). Each part is timed alone "
      "over the same rows, through the public API: json::parseLeads; the checks as bulkUpsert of the parsed rows "
      "into a running campaign of a workspace that suppresses all {} of their domains (every row normalized, "
      "ordered, validated and skipped: nothing written); leadterra::StepRenderer of every row as a stored lead (an "
      "upper bound: skipped and repeated rows render nothing). SQLite and bookkeeping = bulkUpsert time minus "
      "the checks and rendering. Shares of parse + bulkUpsert",
      fmt::format("{:.1f}", static_cast<double>(body.size()) / 1e6), rows(leads.size()), rows(everyDomain.size()));

  std::size_t sink = 0;
  for (int rep = 0; rep < c.reps; ++rep) {
    progress(fmt::format("shares: repetition {}/{}", rep + 1, c.reps));
    std::vector<leadterra::LeadRow> parsed;
    const double tParse = timeSeconds([&] { parsed = leadterra::json::parseLeads(body); });
    expect(parsed.size() == leads.size(), "shares: parseLeads lost rows");

    Scratch dir(c.scratch);
    double tChecks = 0;
    {
      auto engine = openCampaign(dir.file("checks.db"), true, nullptr);
      (void)engine->addSuppressions(kWorkspace, everyDomain);
      BulkResult r;
      tChecks = timeSeconds([&] { r = engine->bulkUpsert(kCampaign, parsed); });
      expect(r.skipped == static_cast<std::int64_t>(parsed.size()) && r.failed == 0,
             fmt::format("shares: {} of {} rows skipped by the suppression of every domain", r.skipped,
                         parsed.size()));
    }
    std::vector<leadterra::Lead> stored;
    stored.reserve(parsed.size());
    for (const leadterra::LeadRow& row : parsed) stored.push_back(storedLeadOf(row.lead));
    const double tRender = timeSeconds([&] {
      for (const auto& lead : stored) sink += step.render(lead).body.size();
    });
    stored.clear();
    auto engine = openCampaign(dir.file("engine.db"), true, &suppressions);
    BulkResult r;
    const double tBulk = timeSeconds([&] { r = engine->bulkUpsert(kCampaign, parsed); });
    checkResult(r, expected, expected.enrolled, "shares, running campaign");

    const double total = tParse + tBulk;
    parse.samples.push_back(100 * tParse / total);
    checks.samples.push_back(100 * tChecks / total);
    render.samples.push_back(100 * tRender / total);
    rest.samples.push_back(100 * (tBulk - tChecks - tRender) / total);
    whole.samples.push_back(rate(leads.size(), total));
  }
  expect(sink > 0, "shares: nothing measured");
  for (Figure* f : {&parse, &checks, &render, &rest, &whole}) report.add(std::move(*f));
}

// ---- 8: claiming past a backlog that may not be sent ----

namespace {

constexpr const char* kBacklogCampaign = "camp_backlog";
constexpr const char* kOpenCampaign = "camp_open";

// A file with a running campaign whose daily cap is used up and `backlog`
// due messages (none of them may be handed out today), when backlog > 0, and
// a running campaign without a cap. Not timed.
std::unique_ptr<CampaignEngine> openClaimFile(const Config& c, const std::string& path, std::size_t backlog) {
  auto engine = CampaignEngine::open(path);
  engine->createWorkspace({kWorkspace, "Benchmark", {}});
  auto campaign = [&](const char* id, std::optional<std::int64_t> cap) {
    leadterra::CampaignSpec spec;
    spec.workspaceId = kWorkspace;
    spec.id = id;
    spec.name = id;
    spec.steps = {stepOne()};
    spec.schedule.dailyCap = cap;
    engine->createCampaign(spec);
    (void)engine->startCampaign(id);
  };
  campaign(kOpenCampaign, std::nullopt);
  if (backlog == 0) return engine;
  campaign(kBacklogCampaign, 1);
  constexpr std::size_t kChunk = 100'000;
  for (std::size_t first = 0; first < backlog; first += kChunk) {
    const auto leads = makeLeads(c.seed + 1, first, std::min(kChunk, backlog - first), 0.0);
    (void)engine->bulkUpsert(kBacklogCampaign, leads);
  }
  expect(engine->claimDue(1, 86'400).size() == 1, "claim: the backlog's one message of the day");
  return engine;
}

}  // namespace

void runClaim(const Config& c, Report& report) {
  Figure f = figure("claim.backlog",
                    fmt::format("Claim: {} per claimDue past {} due messages of a capped-out campaign",
                                rows(c.claimLimit), rows(c.claimBacklog)),
                    "messages/s");
  f.target = {Target::Kind::ratioAtLeast, 0.5};
  f.note = fmt::format(
      "engine only; the \"baseline\" is the same claims on a file without the backlog, so the ratio is how much "
      "the backlog slows a claim (>= 0.5x: a claim within 2x); {} claimable messages per repetition",
      rows(c.claimable));
  progress(fmt::format("claim: building the {}-message backlog", rows(c.claimBacklog)));
  Scratch dir(c.scratch);
  auto withBacklog = openClaimFile(c, dir.file("backlog.db"), c.claimBacklog);
  auto without = openClaimFile(c, dir.file("plain.db"), 0);
  std::uint64_t first = 0;
  for (int rep = 0; rep < c.reps; ++rep) {
    progress(fmt::format("claim: repetition {}/{}", rep + 1, c.reps));
    const auto leads = makeLeads(c.seed + 2, first, c.claimable, 0.0);
    first += c.claimable;
    for (auto* engine : {withBacklog.get(), without.get()}) (void)engine->bulkUpsert(kOpenCampaign, leads);
    for (std::size_t handed = 0; handed < c.claimable; handed += c.claimLimit) {
      std::size_t a = 0, b = 0;
      const Timing ta = measure([&] { a = withBacklog->claimDue(static_cast<std::int64_t>(c.claimLimit)).size(); });
      const Timing tb = measure([&] { b = without->claimDue(static_cast<std::int64_t>(c.claimLimit)).size(); });
      expect(a == c.claimLimit && b == c.claimLimit, fmt::format("claim: handed out {} and {}, expected {} each", a, b,
                                                                 c.claimLimit));
      f.addRate(a, ta);
      f.addBaselineRate(b, tb);
    }
  }
  report.add(std::move(f));
}

// ---- 9: list ----

namespace {

// The leads of a `leads list` document, counted line by line (the file is
// too large to parse whole), and whether it ends with a null nextCursor.
std::pair<std::int64_t, bool> countListed(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::int64_t leads = 0;
  bool lastPage = false;
  while (std::getline(in, line)) {
    if (line.starts_with("      \"id\": \"lead_")) ++leads;
    lastPage = line == "  \"nextCursor\": null" || (lastPage && line == "}");
  }
  return {leads, lastPage};
}

}  // namespace

void runCliList(const Config& c, Report& report) {
  Figure speed = figure("list.rate", fmt::format("CLI: leads list of {} leads", rows(c.listLeads)), "leads/s");
  Figure rss = figure("list.rss", "CLI: peak RSS of that listing", "MB");
  rss.target = {Target::Kind::valueAtMost, 100};
  Figure count = figure("list.count", "countLeads of those leads (by status)", "ms");
  count.note = "engine only: one call, the campaign's leads counted by status from the index";
  if (c.cliPath.empty() || !std::filesystem::exists(c.cliPath)) {
    speed.measured = rss.measured = count.measured = false;
    speed.note = "the leadterra CLI was not built (or --cli names no file)";
    report.add(std::move(speed));
    report.add(std::move(rss));
    report.add(std::move(count));
    return;
  }
  speed.note = "engine only: wall time of the child process writing the whole listing to a file, page by page";
  Scratch dir(c.scratch);
  const std::string db = dir.file("list.db");
  std::int64_t total = 0;
  {
    progress(fmt::format("list: enrolling {} leads", rows(c.listLeads)));
    auto engine = openCampaign(db, false, nullptr);
    constexpr std::size_t kChunk = 10'000;
    for (std::size_t done = 0; done < c.listLeads; done += kChunk) {
      (void)engine->bulkUpsert(kCampaign, makeLeads(c.seed, done, std::min(kChunk, c.listLeads - done)));
    }
    for (int rep = 0; rep < c.reps; ++rep) {
      const double seconds = timeSeconds([&] { total = engine->countLeads(kCampaign).total; });
      count.samples.push_back(seconds * 1e3);
    }
    expect(total == engine->getCampaign(kCampaign)->leadsEnrolled, "list: countLeads disagrees with leadsEnrolled");
  }
  for (int rep = 0; rep < c.reps; ++rep) {
    progress(fmt::format("list: repetition {}/{}", rep + 1, c.reps));
    const std::string out = dir.file("out.json");
    const ChildRun run = measureChild({c.cliPath, "--db", db, "leads", "list", "--campaign", kCampaign}, out,
                                      dir.file("err.txt"));
    expect(run.exitStatus == 0,
           fmt::format("CLI list exited {}: {}", run.exitStatus, readText(dir.file("err.txt"))));
    const auto [listed, lastPage] = countListed(out);
    expect(listed == total && lastPage, fmt::format("CLI list printed {} leads of {}{}", listed, total,
                                                    lastPage ? "" : ", without a null nextCursor at the end"));
    speed.addRate(static_cast<std::size_t>(total), {run.seconds, run.cpuSeconds});
    rss.samples.push_back(static_cast<double>(run.maxRssKiB) * 1024.0 / 1e6);
    std::filesystem::remove(out);
  }
  report.add(std::move(speed));
  report.add(std::move(rss));
  report.add(std::move(count));
}

// ---- export: a campaign's leads as CSV to a sink that keeps nothing ----

namespace {

// "<leads> <bytes>", as the export child prints it.
std::pair<std::int64_t, std::uint64_t> exportCounts(const std::string& path) {
  std::ifstream in(path);
  std::int64_t leads = -1;
  std::uint64_t bytes = 0;
  in >> leads >> bytes;
  return {leads, bytes};
}

}  // namespace

void runExport(const Config& c, Report& report) {
  Figure speed = figure("export.rate", fmt::format("exportLeads: CSV of {} leads to a null sink", rows(c.exportLeads)),
                        "leads/s");
  speed.note = "a running campaign (a queued message per lead); each side a fresh child process; baseline: one "
               "SELECT of the same columns with the same latest-message subquery, customFields parsed with "
               "nlohmann::json, the same CSV into a 64 KiB buffer";
  Figure rss = figure("export.rss", "exportLeads: peak RSS of that export", "MB");
  rss.target = {Target::Kind::valueAtMost, 100};
  Figure rawRss = figure("export.rawRss", "baseline: peak RSS of the same export", "MB");
  rawRss.note = "for comparison: the hand-written export in its own child process";
  Scratch dir(c.scratch);
  const std::string db = dir.file("export.db");
  {
    progress(fmt::format("export: enrolling {} leads", rows(c.exportLeads)));
    auto engine = openCampaign(db, true, nullptr);
    constexpr std::size_t kChunk = 10'000;
    for (std::size_t done = 0; done < c.exportLeads; done += kChunk) {
      (void)engine->bulkUpsert(kCampaign, makeLeads(c.seed, done, std::min(kChunk, c.exportLeads - done)));
    }
  }
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::int64_t expected = -1;
  std::uint64_t engineBytes = 0;
  const auto exportOnce = [&](const char* side) {
    const std::string out = dir.file("out.txt"), err = dir.file("err.txt");
    const ChildRun run = measureChild({self, "--export-child", side, db, kCampaign}, out, err);
    expect(run.exitStatus == 0, fmt::format("export ({}) exited {}: {}", side, run.exitStatus, readText(err)));
    const auto [leads, bytes] = exportCounts(out);
    if (expected < 0) expected = leads;
    expect(leads == expected && leads > 0, fmt::format("export ({}) wrote {} leads, expected {}", side, leads, expected));
    return std::tuple{run, leads, bytes};
  };
  for (int rep = 0; rep < c.reps; ++rep) {
    progress(fmt::format("export: repetition {}/{}", rep + 1, c.reps));
    bothSides(
        c, rep,
        [&] {
          const auto [run, leads, bytes] = exportOnce("engine");
          speed.addRate(static_cast<std::size_t>(leads), {run.seconds, run.cpuSeconds});
          rss.samples.push_back(static_cast<double>(run.maxRssKiB) * 1024.0 / 1e6);
          engineBytes = bytes;
        },
        [&] {
          const auto [run, leads, bytes] = exportOnce("raw");
          speed.addBaselineRate(static_cast<std::size_t>(leads), {run.seconds, run.cpuSeconds});
          rawRss.samples.push_back(static_cast<double>(run.maxRssKiB) * 1024.0 / 1e6);
          (void)bytes;
        });
  }
  if (engineBytes > 0) rss.note = fmt::format("the CSV was {:.0f} MB", static_cast<double>(engineBytes) / 1e6);
  report.add(std::move(speed));
  report.add(std::move(rss));
  report.add(std::move(rawRss));
}

}  // namespace bench

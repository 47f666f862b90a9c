// Enrolls the seed's leads through the installed library and prints the counts.
#include <leadterra/leadterra.hpp>

#include <cstdio>
#include <filesystem>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::filesystem::remove(argv[1]);
  auto engine = leadterra::CampaignEngine::open(argv[1]);
  engine->createWorkspace({"ws_demo", "Demo", {}});
  engine->createCampaign({"ws_demo", "camp_01HZA1TPNQ8RD4KF", "Seed", {{"Hi {{firstName}}", "Hello", {}, 0}}, {}, {}});
  std::vector<leadterra::LeadInput> leads(2);
  leads[0].email = "ava@acmecorp.com";
  leads[0].firstName = "Ava";
  leads[1].email = "AVA@acmecorp.com";
  const leadterra::BulkResult r = engine->bulkUpsert("camp_01HZA1TPNQ8RD4KF", leads);
  std::printf("%s %s\n", LEADTERRA_VERSION, leadterra::json::toJson(r).c_str());
  return r.enrolled == 1 && r.updated == 1 ? 0 : 1;
}

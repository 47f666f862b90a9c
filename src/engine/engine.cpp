// CampaignEngine: the public facade. Each call takes the engine's mutex and
// delegates to EngineImpl inside exactly one transaction; exceptions leave
// as leadterra::Error only.
#include "leadterra/engine.hpp"

#include <fmt/format.h>

#include "engine/engine_impl.hpp"
#include "storage/migrations.hpp"

namespace leadterra {

EngineImpl::EngineImpl(const std::string& path, Options options)
    : db(path, options),
      clock(options.clock ? std::move(options.clock) : Clock(systemNow)),
      ttl(options.idempotencyTtl) {}

std::string EngineImpl::newId(std::string_view prefix) {
  return ids.next(prefix, std::chrono::system_clock::time_point(now().time_since_epoch()));
}

std::unique_ptr<CampaignEngine> CampaignEngine::open(const std::string& path, Options options) {
  return std::unique_ptr<CampaignEngine>(new CampaignEngine(std::make_unique<EngineImpl>(path, std::move(options))));
}

CampaignEngine::CampaignEngine(std::unique_ptr<EngineImpl> impl) : impl_(std::move(impl)) {}
CampaignEngine::~CampaignEngine() = default;

}  // namespace leadterra

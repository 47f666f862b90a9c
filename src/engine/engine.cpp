// CampaignEngine's construction, and what a call in flight may use.
// Each public call lives in the file of its service (campaigns.cpp,
// suppression.cpp, dispatch.cpp); each takes the engine's lock and runs in
// exactly one transaction through EngineImpl::write or read.
#include "leadterra/engine.hpp"

#include "engine/engine_impl.hpp"

namespace leadterra {

EngineImpl::EngineImpl(const std::string& path, Options options)
    : backend_(store::openSqlite(path, options)),
      clock_(options.clock ? std::move(options.clock) : Clock(systemNow)),
      ttl_(options.idempotencyTtl),
      eventLog_{options.eventLog, options.eventMaxAge, options.eventMaxCount, std::nullopt} {}

std::string Call::newId(std::string_view prefix) {
  return engine.ids_.next(prefix, std::chrono::system_clock::time_point(now.time_since_epoch()));
}

detail::IdGenerator& Call::ids() { return engine.ids_; }

std::chrono::seconds Call::idempotencyTtl() const { return engine.ttl_; }

EventLogSettings& Call::eventLog() { return engine.eventLog_; }

std::unique_ptr<CampaignEngine> CampaignEngine::open(const std::string& path, Options options) {
  return std::unique_ptr<CampaignEngine>(new CampaignEngine(std::make_unique<EngineImpl>(path, std::move(options))));
}

CampaignEngine::CampaignEngine(std::unique_ptr<EngineImpl> impl) : impl_(std::move(impl)) {}
CampaignEngine::~CampaignEngine() = default;

}  // namespace leadterra

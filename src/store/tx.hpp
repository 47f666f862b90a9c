// Tx: an open transaction of a store backend, and the proof a store method
// asks for. Every store method takes the open transaction as its first
// argument, so a signature shows that it needs the engine's lock and a
// transaction; only EngineImpl::write and EngineImpl::read (engine_impl.hpp)
// open one, holding the engine's mutex for as long as it lives.
#pragma once

namespace leadterra::store {

class Tx {
 public:
  enum class Mode { read, write };

  virtual ~Tx() = default;
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  [[nodiscard]] Mode mode() const noexcept { return mode_; }
  // Makes the transaction's writes durable. Without it, destruction rolls
  // everything back (a dry run, an exception).
  virtual void commit() = 0;

 protected:
  explicit Tx(Mode mode) : mode_(mode) {}

 private:
  Mode mode_;
};

}  // namespace leadterra::store

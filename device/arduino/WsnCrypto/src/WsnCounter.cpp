// The SEQN counter and its reservation in the durable store (RFC 8613,
// Appendix B.1.1): the durable store holds a SEQN no message has passed, so
// after losing the fast store the device can start above it without asking.
#include "WsnCrypto.h"

WsnCounter::WsnCounter(WsnCounterStore* fast, WsnCounterStore* durable, uint32_t step)
    : fast_(fast), durable_(durable), step_(step == 0 ? 1 : step) {}

int WsnCounter::begin() {
  known_ = false;
  reserved_ = 0;
  uint64_t value = 0;
  bool reservation = durable_ != nullptr && durable_->load(&value) == WSN_OK && value <= WSN_MAX_SEQN;
  if (reservation) { reserved_ = value; }
  uint64_t last = 0;
  if (fast_ != nullptr && fast_->load(&last) == WSN_OK && last <= WSN_MAX_SEQN) {
    // After deep sleep: the last SEQN used, exactly. It is at most the
    // reservation, unless the flash holds an older record (restored from a
    // backup, a commit that did not stick): the higher one is the SEQN never
    // to go under, and the next take() then writes a reservation above it.
    next_ = last + 1;
    known_ = true;
  } else if (reservation) {
    // After power loss: anything up to the reservation may have been used.
    // The next take() writes a new reservation before it uses a SEQN.
    next_ = reserved_ + 1;
    known_ = true;
  }
  return known_ ? WSN_OK : WSN_ERR_NO_SEQN;
}

// Records `last` as used: first the reservation (if `last` passes it), then
// the fast store, so that no store ever says less than what was sent.
int WsnCounter::commit(uint64_t last) {
  if (durable_ != nullptr && last > reserved_) {
    uint64_t reserve = last + (step_ - 1);
    if (reserve > WSN_MAX_SEQN) { reserve = WSN_MAX_SEQN; }
    if (durable_->save(reserve) != WSN_OK) { return WSN_ERR_STORE; }
    reserved_ = reserve;
  }
  if (fast_ != nullptr && fast_->save(last) != WSN_OK) { return WSN_ERR_STORE; }
  next_ = last + 1;
  known_ = true;
  return WSN_OK;
}

int WsnCounter::take(uint64_t* seqn) {
  if (!known_) { return WSN_ERR_NO_SEQN; }
  if (next_ > WSN_MAX_SEQN) { return WSN_ERR_SEQN_MISMATCH; }
  uint64_t candidate = next_;
  int rc = commit(candidate);
  if (rc != WSN_OK) { return rc; }
  *seqn = candidate;
  return WSN_OK;
}

int WsnCounter::adopt(uint64_t stored) {
  if (stored > WSN_MAX_SEQN) { return WSN_ERR_SEQN_MISMATCH; }
  if (known_ && stored < next_) { return WSN_OK; }  // never down
  return commit(stored);
}

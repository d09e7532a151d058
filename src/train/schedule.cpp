// Learning-rate schedules (formulas and the ℓ convention in schedule.hpp).
#include "annlab/train/schedule.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "annlab/core/error.hpp"

namespace annlab {
namespace {

struct NameRow {
  ScheduleKind kind;
  const char* name;
};
constexpr NameRow kNames[] = {
    {ScheduleKind::constant, "constant"},
    {ScheduleKind::chapter_decay, "chapter_decay"},
    {ScheduleKind::inverse_time, "inverse_time"},
    {ScheduleKind::step, "step"},
    {ScheduleKind::exponential, "exponential"},
    {ScheduleKind::reduce_on_plateau, "reduce_on_plateau"},
};
struct AliasRow {
  const char* alias;
  ScheduleKind kind;
};
constexpr AliasRow kAliases[] = {
    {"chapter", ScheduleKind::chapter_decay},
    {"inverse_time_decay", ScheduleKind::inverse_time},
    {"step_decay", ScheduleKind::step},
    {"exponential_decay", ScheduleKind::exponential},
    {"plateau", ScheduleKind::reduce_on_plateau},
};

void require(bool ok, const std::string& what) {
  if (!ok) throw UsageError(what);
}

}  // namespace

ScheduleKind parse_schedule(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::tolower(c));
  });
  for (const NameRow& r : kNames)
    if (lower == r.name) return r.kind;
  for (const AliasRow& a : kAliases)
    if (lower == a.alias) return a.kind;
  std::string names;
  for (const NameRow& r : kNames) names += (names.empty() ? "" : ", ") + std::string(r.name);
  throw UsageError("unknown learning-rate schedule '" + std::string(text) + "' (expected one of " +
                   names + ")");
}

std::string schedule_name(ScheduleKind kind) {
  for (const NameRow& r : kNames)
    if (r.kind == kind) return r.name;
  throw UsageError("unknown schedule kind " + std::to_string(static_cast<int>(kind)));
}

std::vector<std::string> schedule_names() {
  std::vector<std::string> v;
  for (const NameRow& r : kNames) v.emplace_back(r.name);
  return v;
}

void validate_schedule(const ScheduleConfig& c) {
  const std::string who = "schedule " + schedule_name(c.kind) + ": ";
  require(c.min_lr >= 0 && std::isfinite(c.min_lr),
          who + "min_lr must be >= 0 (got " + std::to_string(c.min_lr) + ")");
  switch (c.kind) {
    case ScheduleKind::constant:
      break;
    case ScheduleKind::chapter_decay:
      require(c.decay >= 0 && std::isfinite(c.decay),
              who + "decay must be >= 0 (got " + std::to_string(c.decay) + ")");
      break;
    case ScheduleKind::inverse_time:
      require(c.decay >= 0 && std::isfinite(c.decay),
              who + "decay must be >= 0 (got " + std::to_string(c.decay) + ")");
      require(c.decay_steps > 0 && std::isfinite(c.decay_steps),
              who + "decay_steps must be > 0 (got " + std::to_string(c.decay_steps) + ")");
      break;
    case ScheduleKind::step:
      require(c.step_size >= 1,
              who + "step_size must be >= 1 epoch (got " + std::to_string(c.step_size) + ")");
      [[fallthrough]];
    case ScheduleKind::exponential:
      require(c.decay_steps > 0 && std::isfinite(c.decay_steps),
              who + "decay_steps must be > 0 (got " + std::to_string(c.decay_steps) + ")");
      require(c.factor > 0 && c.factor <= 1,
              who + "factor must be in (0, 1] (got " + std::to_string(c.factor) + ")");
      break;
    case ScheduleKind::reduce_on_plateau:
      require(c.factor > 0 && c.factor < 1,
              who + "factor must be in (0, 1) (got " + std::to_string(c.factor) + ")");
      require(c.patience >= 0,
              who + "patience must be >= 0 (got " + std::to_string(c.patience) + ")");
      require(c.min_delta >= 0,
              who + "min_delta must be >= 0 (got " + std::to_string(c.min_delta) + ")");
      break;
  }
}

Schedule::Schedule(const ScheduleConfig& config, double initial_rate)
    : c_(config), eta0_(initial_rate), rate_(initial_rate) {
  validate_schedule(config);
  require(initial_rate > 0 && std::isfinite(initial_rate),
          "the learning rate must be > 0 and finite (got " + std::to_string(initial_rate) + ")");
  rate_ = std::max(eta0_, c_.min_lr);
  unfloored_ = eta0_;
}

double Schedule::rate(int epoch, double monitored) {
  require(epoch >= 0, "schedule: epochs count from 0 (got " + std::to_string(epoch) + ")");
  const double l = epoch;
  double r = eta0_;
  switch (c_.kind) {
    case ScheduleKind::constant:
      break;
    case ScheduleKind::chapter_decay:
      // η_ℓ = η_(ℓ-1)/(1 + decay·ℓ): one division per call in order, else the whole product.
      if (epoch != last_epoch_ + 1 || epoch == 0) {
        unfloored_ = eta0_;
        for (int k = 1; k <= epoch; ++k) unfloored_ /= 1.0 + c_.decay * k;
      } else {
        unfloored_ /= 1.0 + c_.decay * l;
      }
      r = unfloored_;
      break;
    case ScheduleKind::inverse_time:
      r = eta0_ / (1.0 + c_.decay * l / c_.decay_steps);
      break;
    case ScheduleKind::step:
      r = eta0_ * std::pow(c_.factor, double(epoch / c_.step_size));
      break;
    case ScheduleKind::exponential:
      r = eta0_ * std::pow(c_.factor, double(l) / c_.decay_steps);
      break;
    case ScheduleKind::reduce_on_plateau: {
      // Keras' ReduceLROnPlateau: the rate carries over (already floored) from call to call.
      if (epoch == 0) {
        has_best_ = false;
        since_best_ = 0;
        r = eta0_;
        break;
      }
      const double best = has_best_ ? best_ : std::numeric_limits<double>::infinity();
      if (monitored < best - c_.min_delta) {  // false for NaN
        best_ = monitored;
        has_best_ = true;
        since_best_ = 0;
      } else if (++since_best_ >= c_.patience) {
        since_best_ = 0;
        rate_ = std::max(rate_ * c_.factor, c_.min_lr);
      }
      r = rate_;
      break;
    }
  }
  last_epoch_ = epoch;
  rate_ = std::max(r, c_.min_lr);
  return rate_;
}

}  // namespace annlab

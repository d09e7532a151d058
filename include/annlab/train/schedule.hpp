// Learning-rate schedules, each under its own name.
//
// ℓ counts epochs from 0: the first epoch trains with ℓ = 0, and every schedule gives
// η0 there (η0 = OptimizerConfig::learning_rate). The rate is fixed for a whole epoch (every
// batch of epoch ℓ uses η_ℓ), and EpochRecord::learning_rate reports it; EpochRecord::epoch
// is ℓ + 1. Sequences for η0 = 1 (tests/train/test_schedule.cpp checks these by hand):
//   chapter_decay, decay 0.1:    1, 1/1.1, 1/(1.1·1.2), 1/(1.1·1.2·1.3), ...
//   inverse_time, decay 0.5, decay_steps 2:   1, 1/1.25, 1/1.5, 1/1.75, ...
//   step, factor 0.5, step_size 2:            1, 1, 0.5, 0.5, 0.25, ...
//   exponential, factor 0.5:                  1, 0.5, 0.25, ...
// Every result is floored at min_lr: η = max(rule, min_lr).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace annlab {

enum class ScheduleKind {
  constant,           // η
  chapter_decay,      // the chapter's compounding η_ℓ = η_(ℓ-1)/(1 + decay·ℓ)
  inverse_time,       // Keras InverseTimeDecay: η0/(1 + decay·ℓ/decay_steps)
  step,               // η0·factor^floor(ℓ/step_size)
  exponential,        // η0·factor^(ℓ/decay_steps) (Keras ExponentialDecay, ℓ in epochs)
  reduce_on_plateau,  // η·factor after `patience` epochs without improvement > min_delta
};

struct ScheduleConfig {
  ScheduleKind kind = ScheduleKind::constant;
  double decay = 0.0;  // chapter_decay, inverse_time
  double decay_steps =
      1.0;  // inverse_time, exponential (in epochs: ℓ is an epoch count, not a step count)
  int step_size = 10;      // step
  double factor = 0.5;     // step, exponential (per epoch), reduce_on_plateau
  int patience = 10;       // reduce_on_plateau
  double min_delta = 0.0;  // reduce_on_plateau
  double min_lr = 0.0;     // floor for every schedule
};

// Canonical names constant, chapter_decay, inverse_time, step, exponential,
// reduce_on_plateau; also accepted (any case, '-' for '_'): chapter = chapter_decay,
// inverse_time_decay = inverse_time, step_decay = step, exponential_decay = exponential,
// plateau = reduce_on_plateau. Throws UsageError listing the names.
ScheduleKind parse_schedule(std::string_view text);
std::string schedule_name(ScheduleKind kind);
std::vector<std::string> schedule_names();

// Throws UsageError naming the first out-of-range field for this kind (negative decay,
// decay_steps not > 0, step_size < 1, factor outside (0, 1] for step/exponential or (0, 1)
// for reduce_on_plateau, negative patience/min_delta/min_lr).
void validate_schedule(const ScheduleConfig& config);

// ℓ counts epochs from 0. `rate(ℓ, monitored)` is called once per epoch in order;
// `monitored` (validation loss, or training loss without validation) of the epoch before
// drives reduce_on_plateau.
//
// reduce_on_plateau is Keras' ReduceLROnPlateau (mode min, cooldown 0): at ℓ = 0 the
// argument is ignored and η0 returned; at ℓ >= 1 the loss of epoch ℓ-1 is an improvement
// when it is below best - min_delta (the first one always is; NaN never is). After
// `patience` consecutive epochs without improvement the rate becomes max(η·factor, min_lr)
// and the count restarts, so with patience 2 and no improvement after epoch 0 the rate
// drops first at ℓ = 3.
// The closed-form schedules accept any ℓ order; chapter_decay and reduce_on_plateau carry
// state, and for them a call with ℓ = 0 (or chapter_decay with ℓ not one past the previous
// call) starts the sequence again from η0.
class Schedule {
 public:
  Schedule(const ScheduleConfig& config, double initial_rate);  // validates; throws UsageError
  double rate(int epoch, double monitored_loss_of_previous_epoch);
  double current() const { return rate_; }

 private:
  ScheduleConfig c_;
  double eta0_, rate_;
  double best_ = 0;
  int since_best_ = 0;
  bool has_best_ = false;
  double unfloored_ = 0;  // chapter_decay: η_ℓ before the min_lr floor
  int last_epoch_ = -1;   // the ℓ of the previous call (-1: none yet)
};

}  // namespace annlab

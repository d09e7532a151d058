// Text reports of runs and models for the terminal.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "annlab/workflow/run.hpp"

namespace annlab::cli {

std::string report_header(const data::Table& table, const workflow::RunResult& res,
                          const workflow::RunConfig& config);
// One row per split: rows and RMSE/MAE/R² (regression) or accuracy/log loss (classes).
std::string metrics_table(
    const data::Preprocessor& pre,
    const std::vector<std::pair<const char*, const workflow::SplitMetrics*>>& splits);
std::string cross_validation_text(const workflow::FoldReport& folds);
// Confusion matrix and per-class precision/recall/F1.
std::string classification_details(const data::Preprocessor& pre,
                                   const data::ClassificationMetrics& m);

}  // namespace annlab::cli

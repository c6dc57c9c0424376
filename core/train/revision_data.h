// SPDX-License-Identifier: GPL-3.0-or-later
// Training data for a revision model (Snell et al. 2024 §6.1): from many sampled answers to the
// same problem, each correct answer becomes a target preceded by up to four incorrect ones. The
// incorrect ones are chosen close to the correct one by character edit distance, and ordered from
// the farthest to the nearest, so each example reads as a sequence of attempts converging on the
// right answer. The number of earlier attempts is drawn uniformly from 1..min(max, incorrect ones);
// problems the sampler always got right give examples with none (first attempts), so the model
// learns to start and to revise. Deterministic given the seed. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lens::train {

struct SampledAttempt {
  std::string text;
  bool correct = false;
};

struct ProblemAttempts {
  std::string problem;
  std::vector<SampledAttempt> attempts;  // every sample of the problem, graded
};

struct RevisionExample {
  std::string problem;
  std::vector<std::string> previous;  // incorrect attempts, oldest first (the nearest to the target last)
  std::string target;                 // a correct answer
};

struct RevisionDataParams {
  int maxPrevious = 4;        // earlier attempts per example at most
  int targetsPerProblem = 2;  // correct answers used as targets per problem at most (distinct texts)
  uint64_t seed = 1;
};

// Levenshtein distance between byte strings (insertions, deletions, substitutions cost 1).
size_t editDistance(const std::string& a, const std::string& b);

// Examples in problem order. Problems with no correct attempt give none; identical texts count once.
std::vector<RevisionExample> buildRevisionExamples(const std::vector<ProblemAttempts>& problems, const RevisionDataParams& params);

}  // namespace lens::train

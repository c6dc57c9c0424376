// SPDX-License-Identifier: GPL-3.0-or-later
// Training data for a revision model (Snell et al. 2024 §6.1), from many sampled answers to the
// same problem. Two ways to choose the earlier attempts an example shows before its correct target:
//  - NearestWrong (the paper's): each correct answer becomes a target preceded by up to four
//    incorrect ones, chosen close to it by character edit distance and ordered from the farthest
//    to the nearest, so each example reads as a sequence of attempts converging on the right
//    answer. The number of earlier attempts is drawn uniformly from 1..min(max, incorrect ones);
//    problems the sampler always got right give examples with none (first attempts).
//  - Sampled: the earlier attempts are drawn at random from the problem's samples, right or wrong,
//    as often as the sampler produced them (0..max of them, uniformly), so the contexts look like
//    the chains the model meets at test time, where earlier attempts are often right. The target
//    is the correct answer nearest by edit distance to the last earlier attempt: the attempt itself
//    when it is right (keep a right answer), its smallest correction when it is wrong. A model
//    trained only on wrong-then-right pairs never sees a right answer in its context and learns to
//    change whatever it sees.
// Deterministic given the seed. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/result.h"

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
  std::vector<std::string> previous;  // earlier attempts, oldest first (NearestWrong: incorrect ones, the nearest to the target last)
  std::string target;                 // a correct answer
};

enum class RevisionContext { NearestWrong, Sampled };
Result<RevisionContext> parseRevisionContext(const std::string& name);  // nearest-wrong | sampled
const char* revisionContextName(RevisionContext c);

struct RevisionDataParams {
  RevisionContext context = RevisionContext::NearestWrong;
  int maxPrevious = 4;        // earlier attempts per example at most
  int targetsPerProblem = 2;  // examples per problem at most (NearestWrong: distinct correct targets)
  uint64_t seed = 1;
};

// Levenshtein distance between byte strings (insertions, deletions, substitutions cost 1).
size_t editDistance(const std::string& a, const std::string& b);

// Examples in problem order. Problems with no correct attempt give none; identical texts count once.
std::vector<RevisionExample> buildRevisionExamples(const std::vector<ProblemAttempts>& problems, const RevisionDataParams& params);

}  // namespace lens::train

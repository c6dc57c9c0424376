// SPDX-License-Identifier: GPL-3.0-or-later
// File names made from text a user or a file supplied (run names, model names): they must never
// leave the folder the user chose. "../../etc/passwd", "/abs", "a/b", "..", NUL bytes and control
// characters all become one plain file name inside it.
#pragma once

#include <string>

#include "core/common/result.h"

namespace lens {

// A portable file-name stem: ASCII letters, digits, '-', '_' and '.' kept, every other run of
// bytes (separators, spaces, control characters, non-ASCII) becomes one '-'; no leading '.' or
// '-'; at most `maxLength` bytes; `fallback` when nothing is left.
std::string safeFileStem(const std::string& text, size_t maxLength = 80, const std::string& fallback = "run");

// True when `name` is one plain path component: not empty, not "." or "..", no '/', '\\' or NUL.
bool isPlainFileName(const std::string& name);

// folder/name, refused unless `name` is one plain component (no separator, not "." or "..", no NUL)
// so that the result lies directly inside `folder`. Errors name both.
Result<std::string> fileInFolder(const std::string& folder, const std::string& name);

}  // namespace lens

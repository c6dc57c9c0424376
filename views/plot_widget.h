// SPDX-License-Identifier: GPL-3.0-or-later
// The one place that includes qcustomplot.h (it uses `signals:`; keep it away from torch).
#pragma once

#include <qcustomplot.h>

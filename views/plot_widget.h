// SPDX-License-Identifier: GPL-3.0-or-later
// The one place that includes qcustomplot.h (it uses `signals:`; keep it away from torch).
// Code built with QT_NO_KEYWORDS (the tests, which also see libtorch headers) gets the keywords
// back for this header only.
#pragma once

#if defined(QT_NO_KEYWORDS) && !defined(signals)
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#define LENS_QCP_KEYWORDS_DEFINED
#endif

#include <qcustomplot.h>

#ifdef LENS_QCP_KEYWORDS_DEFINED
#undef signals
#undef slots
#undef emit
#undef foreach
#undef LENS_QCP_KEYWORDS_DEFINED
#endif

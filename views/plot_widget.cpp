// SPDX-License-Identifier: GPL-3.0-or-later
#include "views/plot_widget.h"

// leadterra/leadterra.hpp: the whole public API in one include.
#pragma once

#include "leadterra/bulk.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/clock.hpp"
#include "leadterra/engine.hpp"
#include "leadterra/error.hpp"
#include "leadterra/json.hpp"
#include "leadterra/lead.hpp"
#include "leadterra/message.hpp"
#include "leadterra/options.hpp"
#include "leadterra/render.hpp"
#include "leadterra/suppression.hpp"
#include "leadterra/version.hpp"
#include "leadterra/workspace.hpp"

// leadterra/leadterra.hpp: the whole public API in one include.
//
// The library is built with hidden symbols: every class and function of these
// headers that the library defines carries LEADTERRA_EXPORT (export.hpp, made
// by the build). Plain value types and inline functions need none.
#pragma once

#include "leadterra/bulk.hpp"
#include "leadterra/campaign.hpp"
#include "leadterra/clock.hpp"
#include "leadterra/engine.hpp"
#include "leadterra/error.hpp"
#include "leadterra/event.hpp"
#include "leadterra/export.hpp"
#include "leadterra/export_leads.hpp"
#include "leadterra/import.hpp"
#include "leadterra/json.hpp"
#include "leadterra/lead.hpp"
#include "leadterra/lead_row.hpp"
#include "leadterra/listing.hpp"
#include "leadterra/message.hpp"
#include "leadterra/options.hpp"
#include "leadterra/render.hpp"
#include "leadterra/signal.hpp"
#include "leadterra/suppression.hpp"
#include "leadterra/unsubscribe.hpp"
#include "leadterra/version.hpp"
#include "leadterra/workspace.hpp"

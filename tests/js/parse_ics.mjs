// Parse an iCalendar stream from stdin with Mozilla's ical.js (Thunderbird's engine) and print
// its events as JSON, times converted to UTC through the VTIMEZONEs the stream itself carries.
// Usage: node parse_ics.mjs < feed.ics   (run with NODE_PATH unset; resolves ./node_modules)
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const root = new ICAL.Component(ICAL.parse(text));
const zones = root.getAllSubcomponents("vtimezone");
// Only the feed's own definitions: nothing is registered unless the feed supplies it.
for (const vtimezone of zones) ICAL.TimezoneService.register(vtimezone);

function utc(time) {
  if (time === null) return null;
  if (time.isDate) return time.toString();
  return time.convertToZone(ICAL.Timezone.utcTimezone).toString();
}

const events = root.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start: utc(event.startDate),
    end: utc(event.endDate),
    startZone: event.startDate.zone ? event.startDate.zone.tzid : null,
    allDay: event.startDate.isDate,
    url: vevent.getFirstPropertyValue("url"),
    organizer: vevent.getFirstPropertyValue("organizer"),
  };
});

process.stdout.write(
  JSON.stringify({
    method: root.getFirstPropertyValue("method"),
    name: root.getFirstPropertyValue("x-wr-calname"),
    timezones: zones.map((z) => z.getFirstPropertyValue("tzid")),
    events,
  }),
);

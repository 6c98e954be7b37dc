'use strict';
// Decodes BCBP strings with the npm package "bcbp" (an implementation independent
// of Skybridge's) and prints the items the Go test compares.
// Input on stdin: [{"bcbp": "...", "referenceYear": 2026}, ...]
// Output on stdout: one object per input, in order.
const { decode } = require('bcbp');

function dayOfYear(date) {
  if (!(date instanceof Date)) return 0;
  const start = Date.UTC(date.getUTCFullYear(), 0, 0);
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return (day - start) / 86400000;
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map(({ bcbp, referenceYear }) => {
    const d = decode(bcbp, referenceYear);
    const leg = (d.data.legs && d.data.legs[0]) || {};
    return {
      legs: d.meta.numberOfLegs,
      name: d.data.passengerName || '',
      pnr: leg.operatingCarrierPNR || '',
      from: leg.departureAirport || '',
      to: leg.arrivalAirport || '',
      carrier: leg.operatingCarrierDesignator || '',
      flight: leg.flightNumber || '',
      dayOfYear: dayOfYear(leg.flightDate),
      cabin: leg.compartmentCode || '',
      seat: leg.seatNumber || '',
      sequence: leg.checkInSequenceNumber || '',
      status: leg.passengerStatus || '',
      version: d.meta.versionNumber || 0,
      description: d.data.passengerDescription || '',
      documentType: d.data.documentType || '',
      issuer: d.data.boardingPassIssuerDesignator || '',
      ticket: (leg.airlineNumericCode || '') + (leg.serialNumber || ''),
      marketingCarrier: leg.marketingCarrierDesignator || '',
    };
  });
  process.stdout.write(JSON.stringify(out) + '\n');
});

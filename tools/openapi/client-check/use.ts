// Compiled with the types openapi-typescript generates (louage.ts beside it, written by the
// test): the bodies and answers a phone app uses must be typed, not `unknown`.
import type { components, operations, paths } from "./louage.js";

type Schemas = components["schemas"];
type ReserveBody = paths["/api/v1/reservations"]["post"]["requestBody"]["content"]["application/json"];
type DeskBody = operations["sellAtDesk"]["requestBody"]["content"]["application/json"];
type Reservation = operations["reserveSeats"]["responses"][201]["content"]["application/json"];

export const hold: ReserveBody = { trip_id: 12, seats: 2 };
export const nextLouage: ReserveBody = { queue_id: 3, seats: 1 };
export const desk: DeskBody = { trip_id: 12, seats: 1, passenger_name: "Amira" };

export function ticketOf(reservation: Reservation): string | null {
  const seats: number = reservation.seats;
  const status: "pending" | "confirmed" | "boarded" | "expired" | "cancelled" = reservation.status;
  return seats > 0 && status === "confirmed" ? reservation.ticket_token : null;
}

export function errorCode(error: Schemas["ErrorOut"]): string {
  return error.code;
}
